import { defineConfig } from 'vitepress';

// The documentation site: `pnpm docs:build` writes docs/.vitepress/dist (git-ignored).
export default defineConfig({
  title: 'TimeSide-TS',
  description: 'Audio processing framework for the web, in TypeScript on Node.js, built as a plugin host',
  cleanUrls: true,
  lastUpdated: false,
  // Pages link to files of the repository outside docs/ (bench/README.md, templates/): those are
  // not pages of the site, so only links inside docs/ are checked.
  ignoreDeadLinks: [/(^|\/)\.\.\//],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/getting-started' },
      { text: 'Processors', link: '/processors' },
      { text: 'CLI', link: '/cli' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Getting started', link: '/getting-started' },
          { text: 'The pipeline model', link: '/pipeline' },
          { text: 'Architecture', link: '/architecture' },
          { text: 'Decoding', link: '/decoding' },
          { text: 'Results formats', link: '/results' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'Processors', link: '/processors' },
          { text: 'Command line', link: '/cli' },
          { text: 'Presets and config', link: '/config' },
          { text: 'REST server', link: '/server' },
          { text: 'Deploy and scale out', link: '/deploy' },
          { text: 'HTML5 player', link: '/player' },
        ],
      },
      {
        text: 'Plugins',
        items: [
          { text: 'Writing a plugin', link: '/plugins' },
          { text: 'Trust model', link: '/trust' },
        ],
      },
      {
        text: 'More',
        items: [
          { text: 'Migrating from Python TimeSide', link: '/migrating' },
          { text: 'Releasing', link: '/release' },
          { text: 'Dependencies', link: '/dependencies' },
        ],
      },
    ],
    // The processors page lists each processor under an h3: show those in the outline too.
    outline: { level: [2, 3] },
    search: { provider: 'local' },
  },
});
