/* The query page: YASGUI on this server's endpoint, with the competency questions as examples. */
(function () {
  "use strict";
  var BASE = "https://w3id.org/smartcity-kg/";
  var examples = JSON.parse(document.getElementById("examples-data").textContent);
  var endpoint = window.location.origin + "/sparql";
  document.getElementById("endpoint").textContent = endpoint;

  // Only local autocompletion: the prefix.cc and LOV completers would call other servers.
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: "smartcity-kg",
    endpointCatalogueOptions: Object.assign({}, Yasgui.defaults.endpointCatalogueOptions, {
      getData: function () { return [{ endpoint: endpoint }]; }
    }),
    yasqe: { autocompleters: ["variables"] }
  });
  window.yasgui = yasgui;

  function show(query, name, run) {
    var tab = yasgui.getTab();
    tab.setEndpoint(endpoint);
    tab.setQuery(query);
    if (name && tab.setName) { tab.setName(name); }
    if (run) { tab.query(); }
  }

  function byId(id) {
    for (var i = 0; i < examples.length; i++) { if (examples[i].id === id) { return examples[i]; } }
    return null;
  }

  var params = new URLSearchParams(window.location.search);
  var chosen = params.get("example") ? byId(params.get("example")) : null;
  if (chosen) {
    show(chosen.query, chosen.id, true);
  } else if (params.get("query")) {
    show(params.get("query"), null, params.get("run") !== "0");
  } else if (!yasgui.getTab().getQuery || /^\s*(PREFIX[^\n]*\n\s*)*SELECT \* WHERE \{\s*\?sub \?pred \?obj/.test(yasgui.getTab().getQuery())) {
    show(examples[0].query, examples[0].id, false);  // first visit: YASGUI's placeholder query gives way to CQ1
  } else {
    yasgui.getTab().setEndpoint(endpoint);
  }

  document.getElementById("examples").addEventListener("click", function (event) {
    var link = event.target.closest("a[data-example]");
    if (!link) { return; }
    event.preventDefault();
    var ex = byId(link.getAttribute("data-example"));
    show(ex.query, ex.id, true);
    window.history.replaceState(null, "", "/query?example=" + encodeURIComponent(ex.id));
  });

  // IRIs of the dataset open on this server, not on the public domain.
  function localise(root) {
    var links = root.querySelectorAll('a[href^="' + BASE + '"]');
    for (var i = 0; i < links.length; i++) {
      links[i].setAttribute("href", "/" + links[i].getAttribute("href").slice(BASE.length));
      links[i].removeAttribute("target");
    }
  }
  new MutationObserver(function () { localise(document.getElementById("yasgui")); })
    .observe(document.getElementById("yasgui"), { childList: true, subtree: true });
})();
