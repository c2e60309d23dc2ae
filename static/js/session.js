// Counts down the portal session shown in the top bar and warns two minutes before it ends.
// Loaded as a file: the Content-Security-Policy forbids inline scripts.
(function () {
  var timer = document.getElementById("session-timer");
  var left = document.getElementById("session-left");
  var warning = document.getElementById("session-warning");
  if (!timer || !left) return;
  var expiresAt = parseInt(timer.getAttribute("data-expires-at"), 10);
  var serverNow = parseInt(timer.getAttribute("data-now"), 10);
  var skew = Date.now() / 1000 - serverNow;
  function tick() {
    var secs = Math.max(0, Math.round(expiresAt - (Date.now() / 1000 - skew)));
    var m = Math.floor(secs / 60), s = secs % 60;
    left.textContent = secs > 0 ? m + ":" + (s < 10 ? "0" : "") + s : "now (relaunch from Blnk Cloud)";
    if (warning) warning.hidden = !(secs > 0 && secs <= 120) && secs !== 0;
    if (secs > 0) setTimeout(tick, 1000);
  }
  tick();
})();
