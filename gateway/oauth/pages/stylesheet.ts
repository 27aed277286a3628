/**
 * The base stylesheet, served from our own origin (no third-party assets). The brand colour comes
 * from a per-provider stylesheet that sets `--primary` only; the config refuses a colour with
 * less than 4.5:1 contrast on white (WCAG 2.1 AA 1.4.3), since it is both link colour on white
 * and background of white button text. Visible focus outlines; buttons at least 44 px high.
 */
export const STYLESHEET = `
*,*::before,*::after{box-sizing:border-box}
:root{--primary:#0b4f8a}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:1.125rem;line-height:1.5;color:#1a1a1a;background:#fff}
header.brand{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem 1rem;padding:.75rem 1.25rem;border-bottom:4px solid var(--primary)}
.provider{display:flex;align-items:center;gap:.75rem;margin:0;font-weight:700;font-size:1.25rem}
.logo{max-height:48px;max-width:160px}
main{max-width:40rem;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:1.75rem;line-height:1.25;margin:1rem 0}
h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
a{color:var(--primary)}
a:focus,button:focus,input:focus{outline:3px solid #b35900;outline-offset:2px}
.skip{position:absolute;left:-9999px}
.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
.actions{display:flex;flex-wrap:wrap;gap:1rem;margin:1.5rem 0}
.actions form{margin:0}
form + form{margin-top:1rem}
.button,button{display:inline-block;min-height:44px;padding:.6rem 1.4rem;font:inherit;border-radius:4px;border:2px solid var(--primary);cursor:pointer;text-decoration:none}
.primary{background:var(--primary);color:#fff}
.secondary{background:#fff;color:var(--primary)}
label{display:block;font-weight:600;margin-top:1rem}
.hint{color:#3d3d3d;margin:.25rem 0}
.once{font-weight:600}
input[type=text]{font:inherit;padding:.5rem;border:2px solid #3d3d3d;border-radius:4px;width:12em;max-width:100%}
.check{display:flex;gap:.75rem;align-items:flex-start;margin:1.5rem 0;padding:1rem;border:2px solid #d0d0d0;border-radius:4px}
.check input{width:1.5rem;height:1.5rem;margin-top:.2rem;flex:none}
.check label{margin:0}
.explanation{margin-top:2rem;padding-top:.5rem;border-top:1px solid #d0d0d0}
.error{color:#a50000;font-weight:600}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}
dt{font-weight:600}
dd{margin:0;font-family:ui-monospace,monospace;word-break:break-all}
footer{border-top:1px solid #d0d0d0;padding:1rem 1.25rem;max-width:40rem;margin:0 auto}
footer ul{list-style:none;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;margin:0;padding:0}
`;
