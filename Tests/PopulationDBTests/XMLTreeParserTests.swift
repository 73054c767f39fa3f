import Testing

@testable import PopulationDB

@Suite("XML reading and writing")
struct XMLTreeParserTests {
    @Test("names resolve to namespaces whatever the prefix")
    func namespacesResolveWhateverThePrefix() throws {
        let documents = [
            #"<s:Envelope xmlns:s="urn:env"><s:Body><a:Op xmlns:a="urn:op"/></s:Body></s:Envelope>"#,
            #"<Envelope xmlns="urn:env"><Body><Op xmlns="urn:op"></Op></Body></Envelope>"#,
            #"<x:Envelope xmlns:x="urn:env" xmlns:y="urn:op"><x:Body><y:Op></y:Op></x:Body></x:Envelope>"#,
        ]
        for document in documents {
            let root = try XMLTreeParser.parse(document)
            #expect(root.namespace == "urn:env" && root.localName == "Envelope")
            let operation = try #require(root.child("Body", namespace: "urn:env")?.children.first)
            #expect(operation.namespace == "urn:op" && operation.localName == "Op", "\(document)")
        }
    }

    @Test("an undeclared default namespace leaves children without one")
    func undeclaredDefaultNamespace() throws {
        let root = try XMLTreeParser.parse(#"<a xmlns="urn:a"><b xmlns=""><c/></b></a>"#)
        let b = try #require(root.child("b"))
        #expect(b.namespace == nil)
        #expect(b.child("c")?.namespace == nil)
    }

    @Test("references, CDATA, comments and processing instructions")
    func characterData() throws {
        let document = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- prolog comment -->
            <r a='x &amp; &quot;y&quot;'>&lt;TRẦN&gt; &#272;&#x1EA0;<!-- inside --><![CDATA[<raw & kept>]]><?pi data?></r>
            """
        let root = try XMLTreeParser.parse(document)
        #expect(root.attributes["a"] == #"x & "y""#)
        #expect(root.text == "<TRẦN> ĐẠ<raw & kept>")
    }

    @Test("empty and blank elements have no value")
    func emptyValues() throws {
        let root = try XMLTreeParser.parse("<r><a/><b>  \n </b><c> X </c></r>")
        #expect(root.child("a")?.value == nil)
        #expect(root.child("b")?.value == nil)
        #expect(root.child("c")?.value == "X")
    }

    @Test(
        "malformed documents are refused",
        arguments: [
            "<a><b></a></b>",
            "<a>",
            "<a></a><b></b>",
            "<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>",
            "<a>&unknown;</a>",
            "<a b=c></a>",
            "",
            "text",
        ]
    )
    func malformedDocuments(document: String) {
        #expect(throws: XMLParseError.self) { try XMLTreeParser.parse(document) }
    }

    @Test("deep nesting is refused instead of exhausting the stack")
    func deepNesting() {
        let depth = XMLTreeParser.maximumDepth + 1
        let document = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        #expect(throws: XMLParseError.self) { try XMLTreeParser.parse(document) }
    }

    @Test(
        "escaped text reads back unchanged",
        arguments: [
            #"O'NEIL <B> & "CO""#,
            "NGUYỄN\tVĂN\nA",
            "line\r\nbreak",
            "]]> and &amp; literally",
        ]
    )
    func escapingRoundTrips(text: String) throws {
        var writer = XMLWriter()
        writer.element("v", attributes: ["attr": text]) { $0.element("t", text) }
        let root = try XMLTreeParser.parse(writer.output)
        #expect(root.child("t")?.text == text)
        #expect(root.attributes["attr"] == text)
    }

    @Test("control characters XML cannot carry are replaced, not written")
    func controlCharacters() throws {
        let escaped = XMLWriter.escape("A\u{0}B\u{1F}C")
        #expect(escaped == "A\u{FFFD}B\u{FFFD}C")
        #expect(try XMLTreeParser.parse("<t>\(escaped)</t>").text == escaped)
    }
}
