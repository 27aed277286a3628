/**
 * The one stylesheet, served from our own origin (no third-party assets). Contrast ≥ 4.5:1,
 * visible focus outlines, and buttons at least 44 px high for touch.
 */
export const STYLESHEET = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:1.125rem;line-height:1.5;color:#1a1a1a;background:#fff}
header{display:flex;justify-content:flex-end;padding:.5rem 1rem}
main{max-width:40rem;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:1.75rem;line-height:1.25;margin:1rem 0}
a{color:#0b4f8a}
a:focus,button:focus,input:focus{outline:3px solid #b35900;outline-offset:2px}
.skip{position:absolute;left:-9999px}
.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
.actions{display:flex;flex-wrap:wrap;gap:1rem;margin:1.5rem 0}
.button,button{display:inline-block;min-height:44px;padding:.6rem 1.4rem;font:inherit;border-radius:4px;border:2px solid #0b4f8a;cursor:pointer;text-decoration:none}
.primary{background:#0b4f8a;color:#fff}
.secondary{background:#fff;color:#0b4f8a}
label{display:block;font-weight:600;margin-top:1rem}
.hint{color:#3d3d3d;margin:.25rem 0}
input[type=text]{font:inherit;padding:.5rem;border:2px solid #3d3d3d;border-radius:4px;width:12em}
.check{display:flex;gap:.75rem;align-items:flex-start;margin:1.5rem 0}
.check input{width:1.5rem;height:1.5rem;margin-top:.2rem;flex:none}
.check label{margin:0}
.error{color:#a50000;font-weight:600}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}
dt{font-weight:600}
dd{margin:0;font-family:ui-monospace,monospace;word-break:break-all}
`;
