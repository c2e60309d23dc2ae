// Live progress bars of the sync and screening jobs: polls /kyc/jobs while a job runs and
// reloads the page once when they finish, so the queue shows the new results.
(function () {
  var box = document.getElementById('jobs');
  if (!box || box.getAttribute('data-running') !== 'true') return;
  var url = box.getAttribute('data-poll');
  function tick() {
    fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        (data.jobs || []).forEach(function (j) {
          var el = box.querySelector('[data-job="' + j.kind + '"]');
          if (!el) return;
          var bar = el.querySelector('[data-job-bar]');
          var count = el.querySelector('[data-job-count]');
          if (bar) bar.value = j.percent;
          if (count) count.textContent = j.done + ' / ' + j.total;
        });
        if (data.running) { setTimeout(tick, 1000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 800);
})();
