/* Quote builder (admin): choosing a SKU on a quote line fills its description and, when the
 * unit price is blank, the catalog price in the quote's currency. The server does the same on
 * save, so this is a convenience only. */
(function () {
  "use strict";

  function quoteCurrency() {
    var input = document.getElementById("id_currency");
    if (input) return input.value.trim().toUpperCase();
    var shown = document.querySelector(".field-currency .readonly");
    return shown ? shown.textContent.trim().toUpperCase() : "";
  }

  function priceUrl() {
    // .../admin/rfq/quote/add/ or .../admin/rfq/quote/<id>/change/ → .../admin/rfq/quote/catalog-price/
    var path = window.location.pathname;
    var root = path.slice(0, path.indexOf("/rfq/quote/") + "/rfq/quote/".length);
    return root + "catalog-price/";
  }

  function fill(select) {
    var row = select.closest("tr");
    var variant = select.value;
    var currency = quoteCurrency();
    if (!row || !variant) return;
    var query = "?variant=" + encodeURIComponent(variant) + "&currency=" + encodeURIComponent(currency);
    fetch(priceUrl() + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        var price = row.querySelector('input[name$="-unit_price"]');
        var description = row.querySelector('input[name$="-description"]');
        if (price && !price.value && data.unit_price) price.value = data.unit_price;
        if (price && !data.unit_price) price.placeholder = "no " + currency + " catalog price";
        if (description && !description.value) description.value = data.description;
      });
  }

  function onChange(event) {
    var target = event.target;
    if (target && target.matches && target.matches('select[name^="lines-"][name$="-variant"]')) fill(target);
  }

  // The SKU field is a select2 autocomplete: its changes arrive as jQuery events (jQuery also
  // sees the native ones), so listen through jQuery when the admin has it.
  if (window.django && window.django.jQuery) {
    window.django.jQuery(document).on("change", onChange);
  } else {
    document.addEventListener("change", onChange);
  }
})();
