// The stub a shop's page sets up before Segment's browser library loads
// (what Segment's snippet does), pointed at Tabiji: _cdn is Tabiji's API,
// whence the library loads its settings; the calls queue until it is ready.
(function () {
  var me = document.currentScript;
  var analytics = (window.analytics = []);
  ["page", "track", "identify", "alias", "group", "ready", "reset", "screen"].forEach(function (m) {
    analytics[m] = function () {
      var args = Array.prototype.slice.call(arguments);
      args.unshift(m);
      analytics.push(args);
      return analytics;
    };
  });
  analytics._writeKey = me.dataset.writeKey;
  analytics._cdn = me.dataset.cdn;
  analytics.page();
})();
