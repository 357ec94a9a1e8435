//! The shape of the source tree: no import circle among the library's modules, and no file
//! too long to read (see ARCHITECTURE.md).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/train/step.rs` → `["train", "step"]`; `src/train/mod.rs` → `["train"]`; `src/lib.rs` → `[]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The source without `//` comments and without the `#[cfg(test)]` module at its end (tests
/// may reach anywhere).
fn code_of(text: &str) -> String {
    let body = text.split("#[cfg(test)]\nmod tests").next().unwrap();
    body.lines()
        .map(|l| l.split("//").next().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths named after each `crate::` and `super::` in `code`, with `{a, b::c}` groups
/// expanded: `super::{walk::Batches, step}` → `["super", "walk", "Batches"]`, `["super", "step"]`.
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let is_start =
            i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == ':');
        let rest: String = chars[i..chars.len().min(i + 8)].iter().collect();
        if is_start && (rest.starts_with("crate::") || rest.starts_with("super::")) {
            let (paths, end) = parse_tree(&chars, i);
            out.extend(paths);
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The modules a file declares (`mod step;`, `pub mod data;`).
fn child_modules(code: &str) -> Vec<String> {
    code.lines()
        .filter_map(|l| {
            let l = l
                .trim()
                .trim_start_matches("pub ")
                .trim_start_matches("pub(crate) ");
            l.strip_prefix("mod ")?.strip_suffix(';').map(str::to_string)
        })
        .collect()
}

/// Parses a path or use tree starting at `i`; returns its paths and where it ends.
fn parse_tree(c: &[char], mut i: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    loop {
        while i < c.len() && c[i].is_whitespace() {
            i += 1;
        }
        if i < c.len() && c[i] == '{' {
            let mut all = Vec::new();
            i += 1;
            loop {
                while i < c.len() && (c[i].is_whitespace() || c[i] == ',') {
                    i += 1;
                }
                if i >= c.len() || c[i] == '}' {
                    return (all, i + 1);
                }
                let (inner, end) = parse_tree(c, i);
                for p in inner {
                    all.push([prefix.clone(), p].concat());
                }
                i = end;
            }
        }
        let start = i;
        while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
            i += 1;
        }
        if start == i {
            return (vec![prefix], i);
        }
        prefix.push(c[start..i].iter().collect());
        if c.get(i) == Some(&':') && c.get(i + 1) == Some(&':') {
            i += 2;
        } else {
            return (vec![prefix], i);
        }
    }
}

#[test]
fn no_import_circle_among_the_library_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.retain(|f| !f.starts_with(src.join("bin")));
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    assert!(
        modules.contains(&vec!["train".to_string(), "step".to_string()]),
        "module map: {modules:?}"
    );

    // A reference to a module's item counts as an edge to the longest module prefix it names.
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &files {
        let me = module_of(&src, file);
        let text = std::fs::read_to_string(file).unwrap();
        // Generated code (src/onnx/proto.rs) nests inline modules whose `super::` names a
        // sibling inside the same file, not the parent module.
        if text.contains("@generated") {
            continue;
        }
        let code = code_of(&text);
        // A parent names its child modules without a prefix: `step::Stepper`.
        for child in child_modules(&code) {
            if code.contains(&format!("{child}::")) {
                edges
                    .entry(me.clone())
                    .or_default()
                    .insert([me.clone(), vec![child]].concat());
            }
        }
        for path in paths_in(&code) {
            let mut target: Vec<String> = Vec::new();
            let mut segments = path.into_iter().peekable();
            match segments.next().as_deref() {
                Some("crate") => {}
                Some("super") => {
                    target = me.clone();
                    target.pop();
                    while segments.peek().map(String::as_str) == Some("super") {
                        segments.next();
                        target.pop();
                    }
                }
                _ => unreachable!(),
            }
            for s in segments {
                target.push(s);
                if !modules.contains(&target) {
                    target.pop();
                    break;
                }
            }
            if target != me && !target.is_empty() {
                edges.entry(me.clone()).or_default().insert(target);
            }
        }
    }
    assert!(
        edges.values().map(BTreeSet::len).sum::<usize>() > 20,
        "too few imports found: {edges:?}"
    );

    // Depth-first search; a back edge to a module still on the stack is a circle.
    fn visit(
        m: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
        circles: &mut Vec<String>,
    ) {
        if done.contains(m) {
            return;
        }
        if let Some(at) = stack.iter().position(|s| s == m) {
            let circle: Vec<String> = stack[at..].iter().chain([m]).map(|p| p.join("::")).collect();
            circles.push(circle.join(" → "));
            return;
        }
        stack.push(m.clone());
        for next in edges.get(m).into_iter().flatten() {
            visit(next, edges, stack, done, circles);
        }
        stack.pop();
        done.insert(m.clone());
    }
    let (mut done, mut circles) = (BTreeSet::new(), Vec::new());
    for m in &modules {
        visit(m, &edges, &mut Vec::new(), &mut done, &mut circles);
    }
    assert!(circles.is_empty(), "import circles:\n{}", circles.join("\n"));
}

#[test]
fn the_parser_finds_grouped_and_nested_imports() {
    let paths = paths_in("use super::{walk::Batches, step};\nuse crate::network::{self, Network};");
    let joined: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        joined,
        [
            "super::walk::Batches",
            "super::step",
            "crate::network::self",
            "crate::network::Network"
        ]
    );
}

/// ARCHITECTURE.md's promise that each file can be read in one sitting.
const MOST_LINES: usize = 700;

#[test]
fn no_library_or_binary_file_is_too_long_to_read() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "found only {} files under src/", files.len());
    let too_long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > MOST_LINES).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(too_long.is_empty(), "over {MOST_LINES} lines: {too_long:?}");
}
