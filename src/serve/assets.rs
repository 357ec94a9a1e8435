//! The page's files, compiled in: a fixed table, so no request path ever reaches the file
//! system.

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

const FILES: &[(&str, &str, &str)] = &[
    ("/", HTML, include_str!("../../web/index.html")),
    ("/style.css", CSS, include_str!("../../web/style.css")),
    ("/app.js", JS, include_str!("../../web/app.js")),
    ("/draw.js", JS, include_str!("../../web/draw.js")),
    ("/charts.js", JS, include_str!("../../web/charts.js")),
    ("/step.js", JS, include_str!("../../web/step.js")),
    ("/gates.js", JS, include_str!("../../web/gates.js")),
];

/// The content type and text of the file at `path`.
pub fn find(path: &str) -> Option<(&'static str, &'static str)> {
    let path = if path == "/index.html" { "/" } else { path };
    FILES
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|&(_, content_type, text)| (content_type, text))
}
