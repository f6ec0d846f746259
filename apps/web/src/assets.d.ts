/** esbuild's `file` loader (apps/web/build.mjs): an imported SVG is its hashed URL. */
declare module '*.svg' {
  const url: string;
  export default url;
}
