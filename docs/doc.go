// Package docs holds Tabiji's documentation pages (Markdown, one per topic and one per API
// resource under api/) and the tests that keep them honest: every relative link and anchor in
// the repository's Markdown resolves, and the folder table in architecture.md names every
// package and top-level folder that exists, and nothing else.
package docs
