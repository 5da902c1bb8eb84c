import { href } from "../router.js";
import { Empty, PageHeader } from "../ui.js";

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <Empty>
        There is no console page at this address. <a href={href("/moments")}>Go to the moments</a>.
      </Empty>
    </>
  );
}
