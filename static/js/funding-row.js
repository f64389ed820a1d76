// A project's 总计 follows its funding sources as the clerk types them (budget/funding_entry.py saves the same
// sum). Amounts are added as whole millionths (BigInt), as the database keeps them, so no float rounding creeps
// in; a source that is not a number leaves the total alone (the form then names it).
(function () {
  "use strict";

  function millionths(text) {
    const t = text.replace(/[,,\s]/g, "").replace(/万元?$/, "");
    if (t === "") return 0n;
    const m = /^(\d*)(?:\.(\d{0,6}))?$/.exec(t);
    if (!m || (m[1] === "" && !m[2])) return null;
    return BigInt(m[1] || "0") * 1000000n + BigInt((m[2] || "").padEnd(6, "0"));
  }

  function written(n) {
    const fraction = (n % 1000000n).toString().padStart(6, "0").replace(/0+$/, "").padEnd(2, "0");
    return (n / 1000000n).toLocaleString("en-US") + "." + fraction;
  }

  document.addEventListener("DOMContentLoaded", function () {
    const total = document.querySelector("input[data-funding-total]");
    const sources = Array.from(document.querySelectorAll("input[data-funding-source]"));
    // Read-only (the sum of a table with a breakdown by source) or still empty on a new project; once the clerk
    // types a total it is theirs, and the form checks it against the sources.
    if (!total || !(total.readOnly || total.value === "")) return;
    let typed = false;
    total.addEventListener("input", function () { typed = true; });
    function follow() {
      if (typed) return;
      let sum = 0n;
      for (const source of sources) {
        const amount = millionths(source.value);
        if (amount === null) return;
        sum += amount;
      }
      total.value = written(sum);
    }
    sources.forEach(function (source) { source.addEventListener("input", follow); });
  });
})();
