// Visits on a phone with a weak or no connection (issue 13 "Recording a visit, on a phone").
// A visit is recorded into the phone's IndexedDB first (fields, photos shrunk to JPEG,
// the signature as PNG), then sent to /api/v1/visits/ — at once when there is a network,
// else when it returns ("online") or when the clerk presses 立即发送. Each record carries
// its own idempotency key, so a record sent twice (an answer lost on the way) is still
// recorded once. The service worker (/visits/sw.js) keeps the pages for use offline.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="junjia-offline"]');
  if (!meta || !window.idbKeyval) { return; }
  var cfg = {
    user: meta.getAttribute("data-user"),
    sw: meta.getAttribute("data-sw"),
    api: meta.getAttribute("data-api"),
    outbox: meta.getAttribute("data-outbox"),
    record: meta.getAttribute("data-record")
  };
  var idb = window.idbKeyval;
  var outbox = idb.createStore("junjia-visits-outbox", "records");
  var savedForms = idb.createStore("junjia-visits-forms", "forms");
  var PAGES_CACHE = "junjia-pages";
  var MAX_EDGE = 1280;      // a photo's long edge after shrinking, in pixels
  var QUALITY = 0.8;        // JPEG quality
  var MAX_PHOTOS = 9;
  var sending = false;

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function cookie(name) {
    var found = document.cookie.split("; ").filter(function (c) { return c.indexOf(name + "=") === 0; })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // --- the phone's records ---------------------------------------------------------------

  function allRecords() {
    return idb.values(outbox).then(function (rows) {
      return rows.sort(function (a, b) { return a.saved_at < b.saved_at ? -1 : 1; });
    });
  }

  function mine(rows) { return rows.filter(function (r) { return r.user === cfg.user; }); }

  // --- images ----------------------------------------------------------------------------

  // Decode without a blob: address (the pages' content policy allows data: images only).
  function decode(file) {
    if (window.createImageBitmap) {
      return window.createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
        return window.createImageBitmap(file);
      });
    }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        var img = new Image();
        img.onload = function () { resolve(img); };
        img.onerror = reject;
        img.src = reader.result;
      };
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
  }

  function drawn(image, edge) {
    var w = image.width, h = image.height;
    var scale = Math.min(1, edge / Math.max(w, h));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(w * scale));
    canvas.height = Math.max(1, Math.round(h * scale));
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";  // a transparent PNG becomes white, not black, as a JPEG
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  // A photo shrunk on the phone: long edge ≤ 1280 px, JPEG; the original where it cannot be
  // read here (the server then checks it and names the photo).
  function shrink(file) {
    return decode(file).then(function (image) {
      var canvas = drawn(image, MAX_EDGE);
      var thumb = drawn(image, 160);
      if (image.close) { image.close(); }
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve({ blob: blob || file, thumb: thumb }); }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return { blob: file, thumb: null }; });
  }

  // --- sending ---------------------------------------------------------------------------

  function formData(record) {
    var data = new FormData();
    record.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    data.append("recipient", record.recipient);
    if (record.member) { data.append("member", record.member); }
    data.append("client_key", record.key);
    (record.photos || []).forEach(function (blob, i) { data.append("photos", blob, "photo-" + (i + 1) + ".jpg"); });
    if (record.signature) { data.append("signature", record.signature, "signature.png"); }
    if (record.signed_form_photo) { data.append("signed_form_photo", record.signed_form_photo, "signed-form.jpg"); }
    return data;
  }

  function messageOf(body) {
    if (!body || typeof body !== "object") { return "服务器未能处理，请稍后再试。"; }
    return Object.keys(body).map(function (k) {
      var v = body[k];
      return Array.isArray(v) ? v.join("；") : String(v);
    }).join("；");
  }

  // One record to the server. Resolves {state: "sent", visit} | {state: "refused", body,
  // message} (kept as 发送失败 with the reason) | {state: "later", message} (no network,
  // signed out, server trouble: kept and tried again).
  function send(record) {
    var headers = { "Accept": "application/json", "Idempotency-Key": record.key, "X-CSRFToken": cookie("csrftoken") };
    return fetch(cfg.api, { method: "POST", body: formData(record), headers: headers, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          if (response.status === 200 || response.status === 201) { return { state: "sent", visit: body }; }
          var text = messageOf(body);
          if (response.status === 401 || (response.status === 403 && /CSRF/i.test(text))) {
            return { state: "later", message: "登录已失效，请重新登录后再发送。" };
          }
          if (response.status >= 400 && response.status < 500) {
            return { state: "refused", status: response.status, body: body, message: text };
          }
          return { state: "later", message: "服务器暂时不能接收，稍后会再发送。" };
        });
      }, function () { return { state: "later", message: "没有网络，联网后会自动发送。" }; });
  }

  // A campaign closed (409) or its list changed (the member named) while the record waited
  // on the phone: the visit still happened, so it is recorded for the person, counting for
  // the campaigns due that day.
  function sendOrWithoutMember(record) {
    return send(record).then(function (result) {
      var memberGone = result.state === "refused" && record.member &&
        (result.status === 409 || (result.body && result.body.member));
      if (!memberGone) { return result; }
      record.member = "";
      return send(record);
    });
  }

  function withLock(work) {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request("junjia-visits-outbox", work);
    }
    return work();
  }

  // Every record of the signed-in user not refused before, one at a time (kind to a weak
  // connection); a refused one keeps its reason until the clerk deletes it.
  function sendAll() {
    if (sending) { return Promise.resolve(); }
    sending = true;
    status("正在发送…");
    return withLock(function () {
      return allRecords().then(function (rows) {
        var todo = mine(rows).filter(function (r) { return !r.refused; });
        var sent = 0, last = "";
        var chain = Promise.resolve(true);
        todo.forEach(function (record) {
          chain = chain.then(function (goOn) {
            if (!goOn) { return false; }
            return sendOrWithoutMember(record).then(function (result) {
              if (result.state === "sent") { sent += 1; return idb.del(record.key, outbox).then(function () { return true; }); }
              if (result.state === "refused") {
                record.refused = result.message;
                return idb.set(record.key, record, outbox).then(function () { return true; });
              }
              last = result.message;
              return false;  // no network or signed out: stop, try again later
            });
          });
        });
        return chain.then(function () {
          status((sent ? "已发送 " + sent + " 条。" : "") + last);
        });
      });
    }).catch(function () { status("发送时出错，请稍后再试。"); })
      .then(function () { sending = false; return refresh(); });
  }

  // --- what the page shows ---------------------------------------------------------------

  function status(text) {
    var node = document.getElementById("outbox-status");
    if (node) { node.textContent = text; }
  }

  // The bar exists only while records wait (the page's own messages stay first).
  function bar(wanted) {
    var node = document.getElementById("outbox-bar");
    var main = document.getElementById("main");
    if (!wanted || !main || document.getElementById("outbox")) {
      if (node) { node.remove(); }
      return null;
    }
    if (node) { return node; }
    node = el("div", { id: "outbox-bar", "class": "msg warning outbox-bar", role: "status" });
    var messages = main.querySelector(".messages");
    main.insertBefore(node, messages ? messages.nextSibling : main.firstChild);
    return node;
  }

  function describe(record) {
    var when = (record.fields.filter(function (p) { return p[0] === "visited_at"; })[0] || [])[1] || "";
    var parts = [record.name, when.replace("T", " ")];
    if (record.photos && record.photos.length) { parts.push("照片 " + record.photos.length + " 张"); }
    parts.push(record.signature || record.signed_form_photo ? "已签收" : (record.comfort ? "未签收" : ""));
    return parts.filter(Boolean).join(" · ");
  }

  function refresh() {
    return allRecords().then(function (rows) {
      var own = mine(rows);
      var others = rows.length - own.length;
      document.querySelectorAll("[data-outbox-count]").forEach(function (n) { n.textContent = own.length; });
      var top = bar(own.length > 0);
      if (top) {
        top.textContent = "";
        top.appendChild(document.createTextNode("手机上有 " + own.length + " 条走访记录未发送。 "));
        top.appendChild(el("button", { type: "button", "data-outbox-send": "" }, "立即发送"));
        top.appendChild(document.createTextNode(" "));
        top.appendChild(el("a", { href: cfg.outbox }, "查看"));
      }
      var list = document.getElementById("outbox-list");
      if (!list) { return; }
      list.textContent = "";
      own.forEach(function (record) {
        var item = el("li", { "class": "outbox-item" + (record.refused ? " refused" : ""), "data-key": record.key });
        item.appendChild(el("span", { "class": "badge" + (record.refused ? " bad" : " warn") }, record.refused ? "发送失败" : "未发送"));
        item.appendChild(document.createTextNode(" " + describe(record)));
        if (record.refused) {
          item.appendChild(el("div", { "class": "small error-text" }, "原因：" + record.refused));
          item.appendChild(el("button", { type: "button", "class": "secondary", "data-outbox-delete": record.key }, "删除这条"));
        }
        list.appendChild(item);
      });
      if (others) {
        list.appendChild(el("li", { "class": "muted small" }, "另有 " + others + " 条是其他账号在这部手机上记录的，该账号登录后发送。"));
      }
      var empty = document.getElementById("outbox-empty");
      if (empty) { empty.hidden = rows.length > 0; }
    });
  }

  function showSavedForms() {
    var list = document.getElementById("saved-forms");
    if (!list) { return; }
    idb.values(savedForms).then(function (rows) {
      rows = rows.filter(function (r) { return r.user === cfg.user; });
      list.textContent = "";
      rows.sort(function (a, b) { return a.title < b.title ? -1 : 1; }).forEach(function (row) {
        var item = el("li");
        item.appendChild(el("a", { href: row.url }, row.title));
        item.appendChild(el("span", { "class": "small muted" }, "（" + row.saved_at.slice(0, 10) + " 保存）"));
        list.appendChild(item);
      });
      var empty = document.getElementById("saved-empty");
      if (empty) { empty.hidden = rows.length > 0; }
    });
  }

  // --- saving pages for offline use ------------------------------------------------------

  // The page and every link on it marked data-offline="1" (a form to record a visit) are
  // fetched now and kept where the service worker finds them without a connection.
  function saveForOffline(button) {
    var note = document.querySelector("[data-offline-save-status]");
    var links = Array.prototype.slice.call(document.querySelectorAll('a[data-offline="1"]'));
    var urls = [location.pathname + location.search, cfg.outbox];
    button.disabled = true;
    if (note) { note.textContent = "正在保存…"; }
    return caches.open(PAGES_CACHE).then(function (cache) {
      var done = 0, failed = 0;
      function keep(url) {
        return fetch(url, { credentials: "same-origin" }).then(function (response) {
          if (!response.ok || response.redirected) { throw new Error(String(response.status)); }
          return cache.put(url, response);
        });
      }
      var chain = Promise.all(urls.map(function (u) { return keep(u).catch(function () {}); }));
      links.forEach(function (link) {
        var url = link.getAttribute("href");
        chain = chain.then(function () {
          return keep(url).then(function () {
            done += 1;
            var title = link.getAttribute("data-offline-title") || link.textContent.trim();
            return idb.set(cfg.user + " " + url, { user: cfg.user, url: url, title: title, saved_at: new Date().toISOString() }, savedForms);
          }).catch(function () { failed += 1; });
        });
      });
      return chain.then(function () {
        if (note) {
          note.textContent = "已保存 " + done + " 张走访表到手机" + (failed ? "，" + failed + " 张未能保存（请联网后再试）" : "") + "。没有网络时从“手机上的走访”打开。";
        }
      });
    }).catch(function () {
      if (note) { note.textContent = "这部手机的浏览器不能保存页面。"; }
    }).then(function () { button.disabled = false; });
  }

  // --- the visit form --------------------------------------------------------------------

  function fieldBox(form, name) {
    var input = form.querySelector('[name="' + name + '"]');
    return input ? input.closest(".field") : null;
  }

  function showErrors(form, body) {
    form.querySelectorAll(".errorlist.from-phone").forEach(function (n) { n.remove(); });
    var names = { money_fen: "money", recipient: null, member: null, client_key: null };
    var first = null;
    Object.keys(body || {}).forEach(function (key) {
      var name = Object.prototype.hasOwnProperty.call(names, key) ? names[key] : key;
      var messages = Array.isArray(body[key]) ? body[key] : [String(body[key])];
      var box = name === "signature" ? document.getElementById("signature-box") : (name ? fieldBox(form, name) : null);
      var list = el("ul", { "class": "errorlist from-phone" });
      messages.forEach(function (m) { list.appendChild(el("li", {}, m)); });
      if (box) { box.appendChild(list); } else { list.classList.add("msg", "error"); form.insertBefore(list, form.firstChild); }
      first = first || list;
    });
    if (first) { first.scrollIntoView({ block: "center" }); }
  }

  function moneyFen(text) {
    text = (text || "").trim();
    if (!text) { return 0; }
    var m = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(text);
    if (!m) { return null; }
    return parseInt(m[1], 10) * 100 + parseInt(((m[2] || "") + "00").slice(0, 2), 10);
  }

  function localNow() {
    var d = new Date();
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 16);
  }

  function setUpForm(form) {
    var photos = [];
    var pad = null;
    var padBox = document.getElementById("signature-box");
    var canvas = document.getElementById("signature-pad");
    if (padBox && canvas && window.SignaturePad) {
      padBox.hidden = false;
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad = new window.SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)" });
      pad.addEventListener("endStroke", unsignedNote);
      form.querySelector("[data-signature-clear]").addEventListener("click", function () { pad.clear(); unsignedNote(); });
    }
    // A page kept on the phone was drawn earlier: the visit is now.
    var when = form.querySelector('[name="visited_at"]');
    if (when && form.getAttribute("data-fresh") === "1") { when.value = localNow(); }

    var input = form.querySelector('[name="photos"]');
    var previews = document.getElementById("photo-previews");
    if (input) {
      input.addEventListener("change", function () {
        var all = Array.prototype.slice.call(input.files || []);
        var files = all.slice(0, MAX_PHOTOS);
        previews.textContent = "正在压缩照片…";
        Promise.all(files.map(shrink)).then(function (done) {
          photos = done.map(function (d) { return d.blob; });
          previews.textContent = all.length > MAX_PHOTOS ? "照片最多 " + MAX_PHOTOS + " 张，只保留前 " + MAX_PHOTOS + " 张。" : "";
          done.forEach(function (d, i) {
            var fig = el("figure", { "class": "photo-preview" });
            if (d.thumb) { fig.appendChild(d.thumb); }
            fig.appendChild(el("figcaption", { "class": "small" }, "第 " + (i + 1) + " 张 " + Math.round(d.blob.size / 1024) + " KB"));
            previews.appendChild(fig);
          });
        });
      });
    }
    var signedInput = form.querySelector('[name="signed_form_photo"]');
    function unsignedNote() {
      var note = document.getElementById("unsigned-note");
      if (!note) { return; }
      var money = (form.querySelector('[name="money"]') || {}).value || "";
      var goods = (form.querySelector('[name="goods"]') || {}).value || "";
      var signed = (pad && !pad.isEmpty()) || (signedInput && signedInput.files && signedInput.files.length);
      note.hidden = !((moneyFen(money) || goods.trim()) && !signed);
    }
    ["money", "goods", "signed_form_photo"].forEach(function (name) {
      var node = form.querySelector('[name="' + name + '"]');
      if (node) { node.addEventListener("change", unsignedNote); node.addEventListener("input", unsignedNote); }
    });

    var saving = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (saving) { return; }
      var money = moneyFen((form.querySelector('[name="money"]') || {}).value);
      if (money === null) {
        showErrors(form, { money: ["慰问金应为金额，如 500 或 500.50。"] });
        return;
      }
      saving = true;
      var button = form.querySelector('button[type="submit"]');
      if (button) { button.disabled = true; }
      var skip = { csrfmiddlewaretoken: 1, client_key: 1, photos: 1, signed_form_photo: 1, money: 1 };
      var fields = [["money_fen", String(money)]];
      Array.prototype.forEach.call(form.elements, function (node) {
        if (!node.name || skip[node.name] || node.disabled) { return; }
        if ((node.type === "checkbox" || node.type === "radio") && !node.checked) { return; }
        fields.push([node.name, node.value]);
      });
      var signedFile = signedInput && signedInput.files && signedInput.files[0];
      var goods = (form.querySelector('[name="goods"]') || {}).value || "";
      Promise.all([
        pad && !pad.isEmpty() ? new Promise(function (resolve) { canvas.toBlob(resolve, "image/png"); }) : null,
        signedFile ? shrink(signedFile).then(function (d) { return d.blob; }) : null
      ]).then(function (signs) {
        var record = {
          key: newKey(),
          user: cfg.user,
          saved_at: new Date().toISOString(),
          recipient: form.getAttribute("data-recipient"),
          member: form.getAttribute("data-member") || "",
          name: form.getAttribute("data-name"),
          comfort: Boolean(money || goods.trim()),
          fields: fields,
          photos: photos,
          signature: signs[0],
          signed_form_photo: signs[1]
        };
        return idb.set(record.key, record, outbox).then(function () { return record; });
      }).then(function (record) {
        if (!navigator.onLine) { return { state: "later" }; }
        return withLock(function () { return send(record); }).then(function (result) {
          if (result.state === "later") { return result; }
          return idb.del(record.key, outbox).then(function () { return result; });
        });
      }).then(function (result) {
        if (result.state === "sent") {
          location.assign(cfg.record.replace(/\/0\/$/, "/" + result.visit.id + "/") + "?recorded=1");
          return;
        }
        if (result.state === "refused") {
          showErrors(form, result.body);
          saving = false;
          if (button) { button.disabled = false; }
          return;
        }
        // Kept on the phone until there is a network: the phone's list shows it.
        location.assign(cfg.outbox + "?saved=1");
      }).catch(function () {
        saving = false;
        if (button) { button.disabled = false; }
        showErrors(form, { detail: ["这部手机不能保存走访记录（存储空间不足或浏览器不支持），请联网后再保存。"] });
      });
    });
  }

  // --- start -----------------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var sendButton = event.target.closest("[data-outbox-send]");
    if (sendButton) { sendAll(); return; }
    var del = event.target.closest("[data-outbox-delete]");
    if (del && window.confirm("删除后这条走访记录不会再发送，确定删除吗？")) {
      idb.del(del.getAttribute("data-outbox-delete"), outbox).then(refresh);
      return;
    }
    var save = event.target.closest("[data-offline-save]");
    if (save) { saveForOffline(save); }
  });

  window.addEventListener("online", function () { sendAll(); });

  document.addEventListener("DOMContentLoaded", function () {
    if ("serviceWorker" in navigator && cfg.sw) {
      navigator.serviceWorker.register(cfg.sw, { scope: cfg.sw.replace(/[^/]*$/, "") }).catch(function () {});
    }
    var saveBox = document.querySelector(".offline-save");
    if (saveBox && window.caches && document.querySelector('a[data-offline="1"]')) { saveBox.hidden = false; }
    var form = document.getElementById("visit-form");
    if (form && form.getAttribute("data-recipient")) { setUpForm(form); }
    if (/[?&]saved=1/.test(location.search)) {
      status(navigator.onLine ? "已保存在手机上，正在发送。" : "没有网络，走访记录已保存在手机上，联网后会自动发送。");
    }
    showSavedForms();
    refresh().then(function () {
      if (navigator.onLine) {
        return allRecords().then(function (rows) { if (mine(rows).some(function (r) { return !r.refused; })) { sendAll(); } });
      }
    });
  });
})();
