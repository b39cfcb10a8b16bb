// With S3 configured, send each file straight to the bucket with a presigned POST, then submit the form
// with the uploaded names; the server checks every file (size, type by content) before accepting it.
// Without this file, or without JavaScript, the form streams the files through the server instead.
(function () {
  "use strict";
  function status(form, text) {
    var el = form.querySelector("#task-files-status");
    if (el) { el.textContent = text; }
  }
  async function sendOne(form, input, file) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var ask = new FormData();
    ask.append("filename", file.name);
    var answer = await fetch(input.getAttribute("data-direct-upload"), {
      method: "POST", body: ask, headers: { "X-CSRFToken": token }, credentials: "same-origin"
    });
    var target = await answer.json();
    if (!answer.ok) { throw new Error(target.error || answer.statusText); }
    var body = new FormData();
    Object.keys(target.fields).forEach(function (key) { body.append(key, target.fields[key]); });
    body.append("file", file);
    var sent = await fetch(target.url, { method: "POST", body: body });
    if (!sent.ok) { throw new Error(sent.statusText); }
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "uploaded";
    hidden.value = target.name;
    form.appendChild(hidden);
  }
  document.addEventListener("submit", async function (event) {
    var form = event.target;
    var input = form.querySelector("input[type=file][data-direct-upload]");
    if (!input || !input.files.length || form.hasAttribute("data-uploaded")) { return; }
    event.preventDefault();
    try {
      for (var i = 0; i < input.files.length; i++) {
        status(form, input.getAttribute("data-uploading") + " " + input.files[i].name);
        await sendOne(form, input, input.files[i]);
      }
      input.value = "";
      form.setAttribute("data-uploaded", "");
      form.submit();
    } catch (error) {
      status(form, error.message);
    }
  });
})();
