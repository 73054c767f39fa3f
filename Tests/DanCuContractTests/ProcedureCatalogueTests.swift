import DanCuConfig
import DanCuContract
import Foundation
import Testing

@Suite struct ProcedureCatalogueTests {
    static let csv = """
        code,name,fields
        1.001193,Đăng ký khai sinh,fullName;idNumber;dateOfBirth;ethnicity
        "2.000488","Cấp Phiếu lý lịch tư pháp, cho công dân",fullName idNumber legacyIdNumber

        1.000894,"Đăng ký kết hôn (""mẫu mới"")", fullName ; maritalStatus \r
        """

    static let expected = [
        ProcedureConfiguration(
            code: "1.001193",
            name: "Đăng ký khai sinh",
            fields: [.fullName, .idNumber, .dateOfBirth, .ethnicity]
        ),
        ProcedureConfiguration(
            code: "2.000488",
            name: "Cấp Phiếu lý lịch tư pháp, cho công dân",
            fields: [.fullName, .idNumber, .legacyIdNumber]
        ),
        ProcedureConfiguration(
            code: "1.000894",
            name: "Đăng ký kết hôn (\"mẫu mới\")",
            fields: [.fullName, .maritalStatus]
        ),
    ]

    @Test(arguments: [false, true])
    func readsUTF8WithOrWithoutByteOrderMark(withBOM: Bool) throws {
        let bytes = (withBOM ? [0xEF, 0xBB, 0xBF] : []) + Array(Self.csv.utf8)
        #expect(try ProcedureCatalogue.parse(bytes, file: "thu-tuc.csv") == Self.expected)
    }

    @Test func columnsMayComeInAnyOrder() throws {
        let text = "Fields,Code,Name\r\nfullName,1.000656,Đăng ký khai tử\r\n"
        #expect(
            try ProcedureCatalogue.parse(Array(text.utf8), file: "x.csv")
                == [ProcedureConfiguration(code: "1.000656", name: "Đăng ký khai tử", fields: [.fullName])]
        )
    }

    @Test(arguments: [
        ("code,name,fields\n1.001193,A,fullName;shoeSize\n", "thu-tuc.csv line 2: unknown field 'shoeSize'"),
        (
            "code,name,fields\n1.001193,A,fullName\n\n1.001193,B,idNumber\n",
            "thu-tuc.csv line 4: code 1.001193 is already on line 2"
        ),
        (
            "code,name,fields\n1 001193,A,fullName\n",
            "thu-tuc.csv line 2: code '1 001193' must be 1-64 characters of A-Z a-z 0-9 . _ - (and not 'default')"
        ),
        (
            "code,name,fields\n1.001193,\"A\nB\",fullName\n1.000656,B,\n",
            "thu-tuc.csv line 4: fields: list at least one field"
        ),
        (
            "ma,ten,truong\n1.001193,A,fullName\n",
            "thu-tuc.csv line 1: the header must name the columns code, name and fields"
        ),
    ])
    func problemsNameTheFileAndTheLine(text: String, message: String) {
        let error = #expect(throws: ConfigurationError.self) {
            try ProcedureCatalogue.parse(Array(text.utf8), file: "thu-tuc.csv")
        }
        #expect(error?.issues == [.init(key: "contract.procedureCatalogue", message: message)])
    }

    @Test func utf16IsRefusedWithAHint() {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "code,name,fields".utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let error = #expect(throws: ConfigurationError.self) {
            try ProcedureCatalogue.parse(bytes, file: "thu-tuc.csv")
        }
        #expect(error?.description.hasPrefix("contract.procedureCatalogue: thu-tuc.csv: not UTF-8") == true)
    }

    /// The file is named relative to the configuration file, and joins the `procedures` list.
    @Test func aConfigurationLoadsItsCatalogue() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "catalogue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(([0xEF, 0xBB, 0xBF] as [UInt8]) + Array(Self.csv.utf8)).write(
            to: folder.appending(path: "thu-tuc.csv")
        )
        let yaml = """
            contract:
              procedureCatalogue: thu-tuc.csv
            portals:
              - id: angiang
                requestTypes: [lookup]
            procedures:
              - code: "1.000656"
                fields: [fullName]
            """
        try yaml.write(to: folder.appending(path: "gateway.yaml"), atomically: true, encoding: .utf8)
        let rules = try ContractFile.rules(path: folder.appending(path: "gateway.yaml").path, environment: [:])
        #expect(rules.procedures.map(\.code) == ["1.000656", "1.001193", "2.000488", "1.000894"])

        try yaml.replacingOccurrences(of: "1.000656", with: "1.001193")
            .write(to: folder.appending(path: "gateway.yaml"), atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigurationError.self) {
            try ContractFile.rules(path: folder.appending(path: "gateway.yaml").path, environment: [:])
        }
        #expect(
            error?.description
                == "contract.procedureCatalogue: 1.001193 is listed both in procedures and in thu-tuc.csv"
        )
    }

    @Test func theShippedExampleCatalogueLoads() throws {
        let procedures = try ProcedureCatalogue.load(
            path: ConfigurationTests.shippedFile.deletingLastPathComponent().appending(path: "procedures.example.csv")
                .path
        )
        #expect(procedures.count >= 5)
        #expect(procedures.first { $0.code == "1.001193" }?.fields.contains(.permanentAddress) == true)
    }
}
