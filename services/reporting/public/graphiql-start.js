/* global React, ReactDOM, GraphiQL */
// Starts GraphiQL (loaded just before, with React, from this service) against /graphql beside
// this page. Every request needs a reading key, typed into the Headers tab. GraphiQL keeps headers
// only while the page is open (shouldPersistHeaders off), so a key is not left in the browser's
// storage on a shared office computer.
const fetcher = GraphiQL.createFetcher({ url: new URL('graphql', window.location.href).href });

const defaultQuery = `# The key goes in Headers below: { "Authorization": "Bearer <key>" },
# then re-fetch the schema (the arrows in the sidebar) for completion and docs.
{
  regions {
    code
    name
  }
}
`;

ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery,
    defaultHeaders: '{\n  "Authorization": "Bearer "\n}',
    shouldPersistHeaders: false,
    isHeadersEditorEnabled: true,
    defaultEditorToolsVisibility: 'headers',
  }),
);
