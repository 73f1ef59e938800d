// Federate SPARQL endpoints with Comunica and print the number of triples in their default graphs.
// usage: node comunica_count.cjs URL [URL ...]   (run by tests/web/test_client_matrix.py)
const { QueryEngine } = require("@comunica/query-sparql");

async function main(urls) {
  const engine = new QueryEngine();
  const stream = await engine.queryBindings("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {
    sources: urls.map((url) => ({ type: "sparql", value: url })),
    httpTimeout: 60000,
  });
  const rows = await stream.toArray();
  process.stdout.write(rows[0].get("n").value + "\n");
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n");
  process.exit(1);
});
