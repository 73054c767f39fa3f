/// An element of a parsed XML document, its name resolved against the namespace declarations in
/// scope, so that callers match on (namespace, local name) whatever prefix the sender chose.
struct XMLTreeElement: Sendable, Equatable {
    var namespace: String?
    var localName: String
    /// Attributes by the name as written (prefix included); namespace declarations are not kept.
    var attributes: [String: String]
    var children: [XMLTreeElement]
    /// The character data directly inside this element (entities decoded, CDATA included).
    var text: String

    /// The text with surrounding whitespace removed; `nil` when nothing is left, which is how the
    /// database writes a missing value (`<TonGiao/>` or `<TonGiao> </TonGiao>`).
    var value: String? {
        let trimmed = text.trimmingXMLWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The first direct child with this local name; `namespace` nil accepts any namespace.
    func child(_ localName: String, namespace: String? = nil) -> XMLTreeElement? {
        children.first { $0.localName == localName && (namespace == nil || $0.namespace == namespace) }
    }

    /// The first element in document order below this one with this local name.
    func descendant(_ localName: String, namespace: String? = nil) -> XMLTreeElement? {
        for child in children {
            if child.localName == localName && (namespace == nil || child.namespace == namespace) {
                return child
            }
            if let found = child.descendant(localName, namespace: namespace) { return found }
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingXMLWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
