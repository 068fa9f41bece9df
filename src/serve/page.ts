// The dashboard's HTML shell: the bundled stylesheet and script (see bundle.ts) render everything else.
import { VERSION } from "../version.ts";

export function pageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>genreview</title>
<link rel="stylesheet" href="/assets/style.css">
<script type="module" src="/assets/main.js"></script>
</head>
<body>
<header class="top"><a class="brand" href="#/">genreview</a><span class="muted">checkpoint review · v${VERSION}</span><span id="live" class="live" title="live updates">●</span></header>
<main id="app"><p class="muted">Loading…</p></main>
<noscript><p>The dashboard needs JavaScript.</p></noscript>
</body>
</html>
`;
}
