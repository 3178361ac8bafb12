/* Konsol: the map on an aspiration's page (Leaflet, vendored). Everything comes
   from the map element's data- attributes (no inline script: the CSP forbids it).
   Without Leaflet or tiles the coordinates and the link below the map still
   serve; a tile that fails to load leaves the map grey around the point. */
(function () {
  "use strict";
  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, function (ch) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch];
    });
  }
  function draw() {
    var box = document.getElementById("peta");
    if (!box || !window.L || !box.dataset.tiles) {
      return;
    }
    var lat = parseFloat(box.dataset.lat);
    var lon = parseFloat(box.dataset.lon);
    if (!isFinite(lat) || !isFinite(lon)) {
      return;
    }
    var map = window.L.map(box, { scrollWheelZoom: false }).setView([lat, lon], 17);
    window.L.tileLayer(box.dataset.tiles, {
      maxZoom: 19,
      // Leaflet puts the attribution in as HTML: the configured text is escaped
      attribution: escapeHtml(box.dataset.attribution || "")
    }).addTo(map);
    window.L.marker([lat, lon], { alt: box.dataset.marker || "", keyboard: false }).addTo(map);
    box.classList.add("peta-siap");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
