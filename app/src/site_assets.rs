//! The built site's file names, read once at start-up: the content-hashed
//! names cargo-leptos gives the JS glue, the wasm and the stylesheet
//! (`hash-files = true` writes them to a hash file beside the binary), and a
//! version (a content checksum) for the other files the pages load, which
//! keep their names (`/echarts.min.js?v=…`, `/favicon.svg?v=…`).
//!
//! A name that changes whenever the content does may be cached for a year
//! (`Cache-Control: immutable`, `server::http::caching`); a browser's repeat
//! visit then asks the server for none of these files.

use std::path::Path;

use sha2::{Digest, Sha256};

/// The files the document's `<head>` and the charts name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteAssets {
    pkg_dir: String,
    /// File stems in the pkg directory: `opsdeck` or `opsdeck.<hash>`.
    js: String,
    wasm: String,
    css: String,
    /// Whether the three stems above carry content hashes.
    hashed: bool,
    echarts: Option<String>,
    favicon: Option<String>,
}

/// Plain names (`/pkg/opsdeck.css`), nothing versioned.
impl Default for SiteAssets {
    fn default() -> Self {
        let plain = || "opsdeck".to_string();
        SiteAssets {
            pkg_dir: "pkg".to_string(),
            js: plain(),
            wasm: plain(),
            css: plain(),
            hashed: false,
            echarts: None,
            favicon: None,
        }
    }
}

/// A public file the pages name with a version, and where its version goes.
const ECHARTS: &str = "echarts.min.js";
const FAVICON: &str = "favicon.svg";

impl SiteAssets {
    /// Reads `hash_file` (cargo-leptos's `js: …`, `wasm: …`, `css: …` lines)
    /// and checksums the versioned public files under `site_root`. A missing
    /// or unreadable hash file, or one naming files the site does not hold
    /// (a hash file of another build), means plain names: what `cargo leptos
    /// build` without `hash-files` and the tests produce.
    pub fn load(site_root: &Path, pkg_dir: &str, output_name: &str, hash_file: &Path) -> SiteAssets {
        let plain = |_: &str| output_name.to_string();
        let hashes = std::fs::read_to_string(hash_file).ok();
        let named = |kind: &str| {
            hashes.as_deref().and_then(|text| {
                text.lines()
                    .filter_map(|line| line.split_once(':'))
                    .find(|(file, _)| file.trim() == kind)
                    .map(|(_, hash)| format!("{output_name}.{}", hash.trim()))
            })
        };
        let pkg = site_root.join(pkg_dir);
        let hashed = match (named("js"), named("wasm"), named("css")) {
            (Some(js), Some(wasm), Some(css))
                if pkg.join(format!("{js}.js")).is_file()
                    && pkg.join(format!("{wasm}.wasm")).is_file()
                    && pkg.join(format!("{css}.css")).is_file() =>
            {
                Some((js, wasm, css))
            }
            _ => None,
        };
        if hashes.is_some() && hashed.is_none() {
            tracing::warn!(
                hash_file = %hash_file.display(),
                site_root = %site_root.display(),
                "the hash file does not match the site's files; serving plain names"
            );
        }
        let (js, wasm, css) = hashed
            .clone()
            .unwrap_or_else(|| (plain("js"), plain("wasm"), plain("css")));
        SiteAssets {
            pkg_dir: pkg_dir.trim_matches('/').to_string(),
            js,
            wasm,
            css,
            hashed: hashed.is_some(),
            echarts: version_of(&site_root.join(ECHARTS)),
            favicon: version_of(&site_root.join(FAVICON)),
        }
    }

    pub fn js_href(&self) -> String {
        format!("/{}/{}.js", self.pkg_dir, self.js)
    }

    pub fn wasm_href(&self) -> String {
        format!("/{}/{}.wasm", self.pkg_dir, self.wasm)
    }

    pub fn css_href(&self) -> String {
        format!("/{}/{}.css", self.pkg_dir, self.css)
    }

    /// The pkg directory and the JS and wasm stems, as the hydration script takes them.
    pub fn hydration_names(&self) -> (&str, &str, &str) {
        (&self.pkg_dir, &self.js, &self.wasm)
    }

    pub fn echarts_src(&self) -> String {
        versioned(ECHARTS, self.echarts.as_deref())
    }

    pub fn favicon_href(&self) -> String {
        versioned(FAVICON, self.favicon.as_deref())
    }

    /// Whether a request for `path` (with `query`) names content that never
    /// changes under that name: a hashed pkg file, or a public file whose
    /// `v=` is its current version.
    pub fn is_immutable(&self, path: &str, query: Option<&str>) -> bool {
        if let Some(file) = path
            .strip_prefix('/')
            .and_then(|rest| rest.strip_prefix(self.pkg_dir.as_str()))
            .and_then(|rest| rest.strip_prefix('/'))
        {
            return self.hashed
                && (file == format!("{}.js", self.js)
                    || file == format!("{}.wasm", self.wasm)
                    || file == format!("{}.css", self.css));
        }
        let asked = query.and_then(|query| query.split('&').find_map(|pair| pair.strip_prefix("v=")));
        match (path.strip_prefix('/').and_then(|file| self.version(file)), asked) {
            (Some(current), Some(asked)) => current == asked,
            _ => false,
        }
    }

    /// The current version of a versioned public file.
    fn version(&self, file: &str) -> Option<&str> {
        match file {
            ECHARTS => self.echarts.as_deref(),
            FAVICON => self.favicon.as_deref(),
            _ => None,
        }
    }
}

fn versioned(file: &str, version: Option<&str>) -> String {
    match version {
        Some(version) => format!("/{file}?v={version}"),
        None => format!("/{file}"),
    }
}

/// The first 16 hex digits of the file's SHA-256, or `None` when it cannot be read.
fn version_of(file: &Path) -> Option<String> {
    let bytes = std::fs::read(file).ok()?;
    Some(hex::encode(&Sha256::digest(&bytes)[..8]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory under the system's temp dir, removed when dropped.
    struct Dir(std::path::PathBuf);

    impl Dir {
        fn new() -> Dir {
            let path = std::env::temp_dir().join(format!("opsdeck-site-test-{}", rand::random::<u64>()));
            std::fs::create_dir_all(&path).expect("temp dir");
            Dir(path)
        }

        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn site() -> (Dir, SiteAssets) {
        let dir = Dir::new();
        std::fs::create_dir_all(dir.path().join("pkg")).expect("pkg dir");
        for file in ["opsdeck.Aa1.js", "opsdeck.Bb2.wasm", "opsdeck.Cc3.css"] {
            std::fs::write(dir.path().join("pkg").join(file), file).expect("write");
        }
        std::fs::write(dir.path().join(ECHARTS), "window.echarts={}").expect("write");
        std::fs::write(dir.path().join("hash.txt"), "js: Aa1\nwasm: Bb2\ncss: Cc3\n").expect("write");
        let assets = SiteAssets::load(dir.path(), "pkg", "opsdeck", &dir.path().join("hash.txt"));
        (dir, assets)
    }

    #[test]
    fn hashed_names_come_from_the_hash_file() {
        let (_dir, assets) = site();
        assert_eq!(assets.js_href(), "/pkg/opsdeck.Aa1.js");
        assert_eq!(assets.wasm_href(), "/pkg/opsdeck.Bb2.wasm");
        assert_eq!(assets.css_href(), "/pkg/opsdeck.Cc3.css");
        assert!(assets.is_immutable("/pkg/opsdeck.Bb2.wasm", None));
        assert!(!assets.is_immutable("/pkg/opsdeck.wasm", None));
        assert!(!assets.is_immutable("/pkg/opsdeck.Old.wasm", None));
        assert!(!assets.is_immutable("/login", None));
    }

    #[test]
    fn public_files_are_immutable_only_at_their_current_version() {
        let (_dir, assets) = site();
        let src = assets.echarts_src();
        let (path, query) = src.split_once('?').expect("versioned");
        assert_eq!(path, "/echarts.min.js");
        assert!(assets.is_immutable(path, Some(query)));
        assert!(!assets.is_immutable(path, None));
        assert!(!assets.is_immutable(path, Some("v=0000000000000000")));
        assert_eq!(assets.favicon_href(), "/favicon.svg", "no file, no version");
        assert!(!assets.is_immutable("/favicon.svg", Some("v=")));
    }

    #[test]
    fn without_a_matching_hash_file_the_names_are_plain() {
        let (dir, _) = site();
        let missing = SiteAssets::load(dir.path(), "pkg", "opsdeck", &dir.path().join("none.txt"));
        assert_eq!(missing.wasm_href(), "/pkg/opsdeck.wasm");
        assert!(!missing.is_immutable("/pkg/opsdeck.wasm", None));
        std::fs::write(dir.path().join("other.txt"), "js: X\nwasm: Y\ncss: Z\n").expect("write");
        let other = SiteAssets::load(dir.path(), "pkg", "opsdeck", &dir.path().join("other.txt"));
        assert_eq!(other.css_href(), "/pkg/opsdeck.css", "a hash file of another build");
    }
}
