//! The page's files, compiled in: a fixed table, so no request path ever reaches the file
//! system.

const FILES: &[(&str, &str, &str)] = &[
    (
        "/",
        "text/html; charset=utf-8",
        include_str!("../../web/index.html"),
    ),
    (
        "/style.css",
        "text/css; charset=utf-8",
        include_str!("../../web/style.css"),
    ),
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/app.js"),
    ),
    (
        "/draw.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/draw.js"),
    ),
    (
        "/charts.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/charts.js"),
    ),
    (
        "/gates.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/gates.js"),
    ),
];

/// The content type and text of the file at `path`.
pub fn find(path: &str) -> Option<(&'static str, &'static str)> {
    let path = if path == "/index.html" { "/" } else { path };
    FILES
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|&(_, content_type, text)| (content_type, text))
}
