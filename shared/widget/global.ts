/// <reference lib="dom" />
/** The script-tag build (/v1/widget.js): the same API on `window.Moments`. */
import { Moments } from "./index.js";

(window as unknown as { Moments: typeof Moments }).Moments = Moments;
