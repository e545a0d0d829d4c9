/// The site's two static files. Served from `/assets/` rather than inline,
/// so the pages' Content-Security-Policy allows no inline script or style.
enum Assets {
    static func file(_ name: String) -> (type: String, text: String)? {
        switch name {
        case "site.css": ("text/css; charset=utf-8", css)
        case "live.js": ("text/javascript; charset=utf-8", liveScript)
        default: nil
        }
    }

    static let css = """
        body { font: 17px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 68rem; padding: 0 1rem; color: #1d1d1d; }
        header.site { display: flex; justify-content: space-between; align-items: center; border-bottom: 1px solid #ddd; padding: .5rem 0; }
        header.site .home { font-weight: 700; text-decoration: none; color: inherit; }
        main { display: block; }
        @media (min-width: 60rem) { body { display: grid; grid-template-columns: 1fr 18rem; column-gap: 2rem; }
          header.site { grid-column: 1 / -1; } }
        h1 { line-height: 1.2; }
        .languages a, .languages strong { margin-right: .5rem; }
        .byline, .dateline, .updated { color: #555; margin: .2rem 0; }
        figure { margin: 1rem 0; } figure img { max-width: 100%; } figcaption { color: #555; font-size: .9em; }
        .lead { font-weight: 600; }
        section.update { border-left: 3px solid #c00; padding-left: .8rem; margin: 1rem 0; }
        section.update h3 { font-size: 1em; margin: 0; }
        .notice { background: #fff3cd; padding: .5rem .8rem; }
        .recent ul.news, main ul.news { list-style: none; padding: 0; }
        ul.news li { margin: .4rem 0; } ul.news time { color: #555; margin-right: .4rem; }
        .marker { font-size: .75em; text-transform: uppercase; margin-left: .3rem; color: #c00; }
        """

    /// Follows the page's live updates (server-sent events): adds, replaces
    /// and removes update sections as they change, and reloads when the
    /// story itself changes. EventSource reconnects by itself and sends
    /// Last-Event-ID, so nothing is missed across a dropped connection.
    static let liveScript = """
        (function () {
          "use strict";
          var main = document.querySelector("main[data-live]");
          if (!main || !window.EventSource) { return; }
          var article = main.querySelector("article");
          var source = new EventSource(main.getAttribute("data-live"));
          function section(change) {
            var holder = document.createElement("div");
            holder.innerHTML = change.html;
            return holder.firstElementChild;
          }
          function existing(change) { return document.getElementById("update-" + change.seq); }
          function place(change) {
            var fresh = section(change);
            var old = existing(change);
            if (old) { old.replaceWith(fresh); return; }
            var sections = article.querySelectorAll("section.update");
            var last = sections.length ? sections[sections.length - 1] : article.querySelector(".lead + *, .lead") ;
            if (sections.length) { last.after(fresh); }
            else { var subjects = article.querySelector(".correction, .subjects, aside.related");
                   if (subjects) { subjects.before(fresh); } else { article.appendChild(fresh); } }
          }
          source.addEventListener("update.added", function (e) { place(JSON.parse(e.data)); });
          source.addEventListener("update.edited", function (e) { place(JSON.parse(e.data)); });
          source.addEventListener("update.withdrawn", function (e) {
            var old = existing(JSON.parse(e.data)); if (old) { old.remove(); } });
          ["update.key_on", "update.key_off", "edition.edited", "edition.withdrawn", "edition.hidden"].forEach(function (name) {
            source.addEventListener(name, function () { window.location.reload(); });
          });
        })();
        """
}
