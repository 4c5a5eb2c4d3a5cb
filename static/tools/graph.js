// Account graph: draws the graph JSON (Cytoscape elements) with Cytoscape.js.
(function () {
  "use strict";
  var COLORS = {
    user: "#2b6cb0", group: "#6b46c1", role: "#dd6b20", policy: "#718096",
    "aws-policy": "#a0aec0", inline: "#718096", account: "#2f855a", service: "#2f855a"
  };
  var SHAPES = {
    user: "ellipse", group: "round-rectangle", role: "diamond", policy: "rectangle",
    "aws-policy": "rectangle", inline: "tag", account: "hexagon", service: "hexagon"
  };
  document.addEventListener("DOMContentLoaded", function () {
    var host = document.getElementById("account-graph");
    if (!host || typeof window.cytoscape !== "function") { return; }
    fetch(host.dataset.graphUrl, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var cy = window.cytoscape({
          container: host,
          elements: data.elements,
          wheelSensitivity: 0.3,
          style: [
            {selector: "node", style: {
              "label": "data(label)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 4,
              "background-color": "#4a5568", "shape": "ellipse", "width": 26, "height": 26, "color": "#1a202c"
            }},
            {selector: "edge", style: {
              "width": 1.5, "curve-style": "bezier", "target-arrow-shape": "triangle",
              "line-color": "#a0aec0", "target-arrow-color": "#a0aec0",
              "label": "data(label)", "font-size": 9, "color": "#4a5568", "text-rotation": "autorotate"
            }},
            {selector: "edge[kind = 'trust']", style: {
              "line-style": "dashed", "line-color": "#2f855a", "target-arrow-color": "#2f855a"
            }},
            {selector: "edge[kind = 'assume']", style: {
              "line-color": "#dd6b20", "target-arrow-color": "#dd6b20", "width": 2.5
            }}
          ].concat(Object.keys(COLORS).map(function (kind) {
            return {selector: "node[kind = '" + kind + "']", style: {
              "background-color": COLORS[kind], "shape": SHAPES[kind]
            }};
          })),
          layout: {name: "cose", animate: false, nodeRepulsion: 9000, idealEdgeLength: 90}
        });
        host.dataset.ready = String(cy.nodes().length);
      })
      .catch(function () { host.textContent = "The graph could not be loaded; the tables below list the same information."; });
  });
})();
