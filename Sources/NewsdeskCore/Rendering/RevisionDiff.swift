/// A readable diff of two versions of an edition: headline, lead and body,
/// line by line, with unchanged lines around each change for context.
/// Built on the standard library's `difference(from:)` (Myers' algorithm).
public enum RevisionDiff {
    /// `--- version 2` / `+++ version 3`, then one section per changed field.
    public static func render(old: Edition, new: Edition, context: Int = 2) -> String {
        var output = "--- \(old.reference) version \(old.version)\n+++ \(new.reference) version \(new.version)\n"
        var changed = false
        for (name, before, after) in [
            ("headline", old.headline, new.headline), ("lead", old.lead, new.lead),
            ("body", old.body, new.body)
        ] where before != after {
            changed = true
            output += "@@ \(name) @@\n" + lines(before: before, after: after, context: context)
        }
        if !changed { output += "(no differences in headline, lead or body)\n" }
        return output
    }

    /// The changed lines of `before` → `after`, `-` removed, `+` added, `  ` context.
    public static func lines(before: String, after: String, context: Int) -> String {
        let old = before.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let new = after.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let difference = new.difference(from: old)
        var removed = Set<Int>(), inserted = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        // Walk both sides in step, producing a unified listing.
        var rows: [(marker: Character, text: String)] = []
        var i = 0, j = 0
        while i < old.count || j < new.count {
            if i < old.count, removed.contains(i) {
                rows.append(("-", old[i])); i += 1
            } else if j < new.count, inserted.contains(j) {
                rows.append(("+", new[j])); j += 1
            } else {
                rows.append((" ", j < new.count ? new[j] : old[i])); i += 1; j += 1
            }
        }
        let keep = rows.indices.filter { index in
            rows[max(0, index - context)...min(rows.count - 1, index + context)].contains { $0.marker != " " }
        }
        var output = ""
        var last: Int?
        for index in keep {
            if let last, index > last + 1 { output += "  …\n" }
            output += "\(rows[index].marker) \(rows[index].text)\n"
            last = index
        }
        return output
    }
}
