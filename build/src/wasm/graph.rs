//! The entry crate's dependency graph resolved for [`TARGET`]: which crates the service
//! reaches, with which features, and by which path (as `cargo tree -i` shows it).

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::Path;

use anyhow::{Context, Result};

use super::target::{SERVICE_DEPENDENCY, TARGET};
use crate::cargo_metadata::{self, Node};

/// The entry crate's resolved dependency graph for [`TARGET`] (`cargo metadata`).
pub struct Graph {
    root: String,
    names: HashMap<String, String>,
    versions: HashMap<String, String>,
    nodes: HashMap<String, Node>,
}

impl Graph {
    pub fn resolve(entry: &Path) -> Result<Graph> {
        let metadata =
            cargo_metadata::read(&entry.join("Cargo.toml"), &["--filter-platform", TARGET])
                .context("resolving the service's dependencies failed")?;
        let resolve = metadata
            .resolve
            .context("cargo metadata resolved no dependencies")?;
        let root = resolve
            .root
            .context("cargo metadata named no root package")?;
        // The service itself is the entry's one dependency; its graph is what matters.
        let versions = metadata
            .packages
            .iter()
            .map(|p| (p.id.clone(), p.version.clone()))
            .collect::<HashMap<_, _>>();
        let names = metadata
            .packages
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect::<HashMap<_, _>>();
        let nodes: HashMap<String, Node> = resolve
            .nodes
            .into_iter()
            .map(|n| (n.id.clone(), n))
            .collect();
        Ok(Graph {
            root,
            names,
            versions,
            nodes,
        })
    }

    /// The service's package id: the entry's dependency named `gzrs_user_service`.
    pub fn service(&self) -> Option<&str> {
        self.nodes[&self.root]
            .deps
            .iter()
            .find(|d| d.name == SERVICE_DEPENDENCY)
            .map(|d| d.pkg.as_str())
    }

    pub fn normal_deps<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.nodes
            .get(id)
            .into_iter()
            .flat_map(|n| n.deps.iter())
            .filter(|d| d.dep_kinds.iter().any(|k| k.kind.is_none()) || d.dep_kinds.is_empty())
            .map(|d| d.pkg.as_str())
    }

    pub fn root_depends_on_any(&self, names: &[&str]) -> bool {
        self.service().is_some_and(|service| {
            self.normal_deps(service)
                .any(|id| names.contains(&self.names[id].as_str()))
        })
    }

    /// The resolved features of package `name`, if the graph has it.
    pub fn features_of(&self, name: &str) -> Option<BTreeSet<&str>> {
        let node = self.nodes.values().find(|n| self.names[&n.id] == name)?;
        Some(node.features.iter().map(String::as_str).collect())
    }

    /// The resolved (major, minor) version of package `name`, if the graph has it.
    pub fn version_of(&self, name: &str) -> Option<(u64, u64)> {
        let id = self.names.iter().find(|(_, n)| *n == name)?.0;
        let mut parts = self.versions[id].split('.').map(|p| p.parse::<u64>().ok());
        Some((parts.next()??, parts.next()??))
    }

    /// The crates whose build scripts compile C (they build-depend on `cc` or `cmake`), each
    /// with how the service reaches it: `ring (digest → ring)`.
    pub fn c_crates(&self) -> Vec<String> {
        let mut found: Vec<String> = self
            .nodes
            .values()
            .filter(|node| {
                node.deps.iter().any(|d| {
                    matches!(self.names[&d.pkg].as_str(), "cc" | "cmake")
                        && d.dep_kinds
                            .iter()
                            .any(|k| k.kind.as_deref() == Some("build"))
                })
            })
            .map(|node| {
                let name = &self.names[&node.id];
                match self.path_to(name) {
                    Some(path) if path != *name => format!("`{name}` (through {path})"),
                    _ => format!("`{name}`"),
                }
            })
            .collect();
        found.sort();
        found
    }

    /// The packages other than `names` that depend on one of `names` directly, sorted.
    pub fn dependents_of(&self, names: &[&str]) -> Vec<String> {
        let mut found: Vec<String> = self
            .nodes
            .values()
            .filter(|node| !names.contains(&self.names[&node.id].as_str()))
            .filter(|node| {
                self.normal_deps(&node.id)
                    .any(|dep| names.contains(&self.names[dep].as_str()))
            })
            .map(|node| self.names[&node.id].clone())
            .collect();
        found.sort();
        found.dedup();
        found
    }

    /// Every way the service reaches package `name`, one per direct dependency it goes
    /// through, shortest first, at most `limit`: `service → axum → hyper-util → socket2; service
    /// → lambda_http → ... → socket2`, as `cargo tree -i` would show them. A crate that fails to
    /// build may come in through a dependency that is not on the shortest path.
    pub fn paths_to(&self, name: &str, limit: usize) -> Option<String> {
        let start = self.service()?;
        if self.names[start] == name {
            return Some(name.to_string());
        }
        let mut paths: Vec<Vec<&str>> = Vec::new();
        for first in self.normal_deps(start) {
            let mut came_from: HashMap<&str, &str> = HashMap::new();
            let mut queue = VecDeque::from([first]);
            while let Some(id) = queue.pop_front() {
                if self.names[id] == name {
                    let mut path = vec![self.names[id].as_str()];
                    let mut at = id;
                    while let Some(&previous) = came_from.get(at) {
                        path.push(&self.names[previous]);
                        at = previous;
                    }
                    path.push(&self.names[start]);
                    path.reverse();
                    paths.push(path);
                    break;
                }
                for next in self.normal_deps(id) {
                    if next != start && next != first && !came_from.contains_key(next) {
                        came_from.insert(next, id);
                        queue.push_back(next);
                    }
                }
            }
        }
        paths.sort_by_key(Vec::len);
        paths.dedup();
        (!paths.is_empty()).then(|| {
            paths
                .iter()
                .take(limit)
                .map(|p| p.join(" → "))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// How the service reaches package `name`: `service → axum → tokio`, shortest first.
    pub fn path_to(&self, name: &str) -> Option<String> {
        let start = self.service()?;
        let mut came_from: HashMap<&str, &str> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(id) = queue.pop_front() {
            if self.names[id] == name {
                let mut path = vec![self.names[id].as_str()];
                let mut at = id;
                while let Some(&previous) = came_from.get(at) {
                    path.push(&self.names[previous]);
                    at = previous;
                }
                path.reverse();
                return Some(path.join(" → "));
            }
            for next in self.normal_deps(id) {
                if next != start && !came_from.contains_key(next) {
                    came_from.insert(next, id);
                    queue.push_back(next);
                }
            }
        }
        None
    }
}
