// esbuild bundles the stylesheet the app imports (into its own hashed .css file).
declare module "*.css";
