import DanCuContract
import Testing

@testable import PopulationDB

@Suite("SOAP messages")
struct PopulationSOAPTests {
    static let requests: [PopulationSOAP.Request] = [
        .init(
            operation: .verify,
            integrationCode: "TICH-HOP-89",
            query: PopulationQuery(
                requestId: "req-1",
                serviceCode: "1.001234",
                officerId: "CB-7",
                idNumber: "089123456789",
                fullName: "TRẦN QUANG KHƯƠNG",
                dateOfBirth: .full(year: 1990, month: 4, day: 20)
            )
        ),
        .init(
            operation: .lookup,
            integrationCode: nil,
            query: PopulationQuery(
                requestId: "req-2",
                idNumber: "123456789",
                fullName: "lê thị  b",
                dateOfBirth: .yearOnly(1975)
            )
        ),
        .init(
            operation: .verify,
            integrationCode: "A&B",
            query: PopulationQuery(
                requestId: "<id>",
                serviceCode: "\"x\"",
                idNumber: "001099000001",
                fullName: #"O'BRIEN <SCRIPT> & "CO""#,
                dateOfBirth: .full(year: 2000, month: 2, day: 29)
            )
        ),
        // A link's question: the pair of numbers, without name or date.
        .init(
            operation: .verify,
            integrationCode: nil,
            query: PopulationQuery(
                requestId: "req-4",
                idNumber: "089175000321",
                fullName: nil,
                dateOfBirth: nil,
                legacyIdNumber: "351234567"
            )
        ),
    ]

    @Test("requests read back as they were written", arguments: requests)
    func requestRoundTrip(request: PopulationSOAP.Request) throws {
        let envelope = PopulationSOAP.encode(request)
        #expect(try PopulationSOAP.decodeRequest(envelope.utf8) == request)
    }

    @Test("a request names the identifier by its kind and writes dates as the schema does")
    func requestElements() throws {
        let cmnd = PopulationSOAP.encode(Self.requests[1])
        #expect(cmnd.contains("<dc:SoCMND>123456789</dc:SoCMND>"))
        #expect(cmnd.contains("<dc:Nam>1975</dc:Nam>"))
        #expect(!cmnd.contains("SoDinhDanh"))
        let cccd = PopulationSOAP.encode(Self.requests[0])
        #expect(cccd.contains("<dc:SoDinhDanh>089123456789</dc:SoDinhDanh>"))
        #expect(cccd.contains("<dc:NgayThangNam>19900420</dc:NgayThangNam>"))
        let order = ["MaYeuCau", "MaDVC", "MaTichHop", "MaCanBo", "SoDinhDanh", "HoVaTen", "NgayThangNamSinh"]
        let positions = order.compactMap { cccd.range(of: "<dc:\($0)")?.lowerBound }
        #expect(positions.count == order.count && positions == positions.sorted())
    }

    @Test("special characters cannot change the request's structure")
    func specialCharactersEscaped() throws {
        let envelope = PopulationSOAP.encode(Self.requests[2])
        #expect(!envelope.contains("<SCRIPT>"))
        #expect(envelope.contains("O&apos;BRIEN &lt;SCRIPT&gt; &amp; &quot;CO&quot;"))
    }

    @Test("a request from another sender's prefixes is read")
    func foreignPrefixes() throws {
        let envelope = """
            <?xml version="1.0"?>
            <SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
              <SOAP-ENV:Header/>
              <SOAP-ENV:Body>
                <TraCuuThongTinCongDan xmlns="http://dancuquocgia.bca">
                  <MaYeuCau>r9</MaYeuCau><MaDVC/><MaTichHop>T</MaTichHop><MaCanBo/>
                  <SoDinhDanh>001099000001</SoDinhDanh><HoVaTen>NGUYỄN VĂN A</HoVaTen>
                  <NgayThangNamSinh><NgayThangNam>19991231</NgayThangNam></NgayThangNamSinh>
                </TraCuuThongTinCongDan>
              </SOAP-ENV:Body>
            </SOAP-ENV:Envelope>
            """
        let request = try PopulationSOAP.decodeRequest(envelope.utf8)
        #expect(request.operation == .lookup)
        #expect(request.query.serviceCode == nil)
        #expect(request.query.dateOfBirth == .full(year: 1999, month: 12, day: 31))
    }

    @Test(
        "requests outside the protocol are refused",
        arguments: [
            // The operation in the wrong namespace.
            #"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><XacThucThongTinCongDan/></s:Body></s:Envelope>"#,
            // No identifier.
            #"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><XacThucThongTinCongDan xmlns="http://dancuquocgia.bca"><MaYeuCau>1</MaYeuCau><HoVaTen>A</HoVaTen><NgayThangNamSinh><Nam>1990</Nam></NgayThangNamSinh></XacThucThongTinCongDan></s:Body></s:Envelope>"#,
            // Not SOAP 1.1.
            #"<Envelope><Body/></Envelope>"#,
            // A record asked for by the pair of numbers alone: only a yes or no is given for that.
            #"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><TraCuuThongTinCongDan xmlns="http://dancuquocgia.bca"><MaYeuCau>1</MaYeuCau><SoDinhDanh>089175000321</SoDinhDanh><SoCMND>351234567</SoCMND></TraCuuThongTinCongDan></s:Body></s:Envelope>"#,
            // A yes or no about one number alone.
            #"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><XacThucThongTinCongDan xmlns="http://dancuquocgia.bca"><MaYeuCau>1</MaYeuCau><SoDinhDanh>089175000321</SoDinhDanh></XacThucThongTinCongDan></s:Body></s:Envelope>"#,
        ]
    )
    func refusedRequests(envelope: String) {
        #expect(throws: PopulationSOAP.MessageError.self) { try PopulationSOAP.decodeRequest(envelope.utf8) }
    }

    /// A lookup answer as a real service might send it: its own prefixes, values missing in
    /// several ways (empty element, blank element, element absent, "no value" code).
    static let sparseLookupAnswer = """
        <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
          <soapenv:Body>
            <ns2:TraCuuThongTinCongDanResponse xmlns:ns2="http://dancuquocgia.bca">
              <ns3:CongdanCollection xmlns:ns3="http://www.mic.gov.vn/dancu/1.0">
                <ns3:CongDan>
                  <ns3:SoDinhDanh>036090001234</ns3:SoDinhDanh>
                  <ns3:SoCMND/>
                  <ns3:HoVaTen><ns3:Ho>LÊ</ns3:Ho><ns3:ChuDem></ns3:ChuDem><ns3:Ten>HOA</ns3:Ten></ns3:HoVaTen>
                  <ns3:GioiTinh>2</ns3:GioiTinh>
                  <ns3:DanToc>01</ns3:DanToc>
                  <ns3:TonGiao>   </ns3:TonGiao>
                  <ns3:TinhTrangHonNhan>3</ns3:TinhTrangHonNhan>
                  <ns3:NhomMau>00</ns3:NhomMau>
                  <ns3:NgayThangNamSinh><ns3:Nam>1961</ns3:Nam><ns3:NgayThangNam/></ns3:NgayThangNamSinh>
                  <ns3:QueQuan>
                    <ns3:MaTinhThanh>36</ns3:MaTinhThanh><ns3:MaQuanHuyen/><ns3:MaPhuongXa/>
                    <ns3:ChiTiet>XÃ HẢI HẬU, NAM ĐỊNH</ns3:ChiTiet><ns3:QuocGia>VIỆT NAM</ns3:QuocGia>
                  </ns3:QueQuan>
                  <ns3:ThuongTru><ns3:MaTinhThanh/><ns3:ChiTiet/></ns3:ThuongTru>
                </ns3:CongDan>
              </ns3:CongdanCollection>
            </ns2:TraCuuThongTinCongDanResponse>
          </soapenv:Body>
        </soapenv:Envelope>
        """

    @Test("missing values become nil and codes become words")
    func sparseLookupAnswer() throws {
        let answer = try PopulationSOAP.decodeAnswer(.lookup, Self.sparseLookupAnswer.utf8)
        guard case .lookedUp(let found) = answer, let citizen = found else {
            Issue.record("expected a citizen, got \(answer)")
            return
        }
        #expect(citizen.fullName == "LÊ HOA")
        #expect(citizen.legacyIdNumber == nil)
        #expect(citizen.gender == .female)
        #expect(citizen.ethnicity == CodeLists.ethnicity.name(forCode: "01"))
        #expect(citizen.ethnicity != nil)
        #expect(citizen.religion == nil)
        #expect(citizen.maritalStatus == "Đã ly hôn hoặc góa")
        #expect(citizen.bloodType == nil)
        #expect(citizen.dateOfBirth == .yearOnly(1961))
        #expect(citizen.nationality == nil)
        #expect(citizen.birthRegistrationPlace == nil)
        #expect(citizen.hometown == Address(provinceCode: "36", detail: "XÃ HẢI HẬU, NAM ĐỊNH", country: "VIỆT NAM"))
        #expect(citizen.permanentAddress == nil)
    }

    /// Since 1 July 2025 an address has a commune and a province; a record not moved yet still has a district.
    static let twoLevelLookupAnswer = """
        <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
          <soapenv:Body>
            <ns2:TraCuuThongTinCongDanResponse xmlns:ns2="http://dancuquocgia.bca">
              <ns3:CongdanCollection xmlns:ns3="http://www.mic.gov.vn/dancu/1.0">
                <ns3:CongDan>
                  <ns3:SoDinhDanh>017185000456</ns3:SoDinhDanh>
                  <ns3:HoVaTen><ns3:Ho>BÙI</ns3:Ho><ns3:ChuDem>THỊ</ns3:ChuDem><ns3:Ten>HÒA</ns3:Ten></ns3:HoVaTen>
                  <ns3:NgayThangNamSinh><ns3:NgayThangNam>19850312</ns3:NgayThangNam></ns3:NgayThangNamSinh>
                  <ns3:NoiDangKyKhaiSinh>
                    <ns3:MaTinhThanh>17</ns3:MaTinhThanh><ns3:MaQuanHuyen>148</ns3:MaQuanHuyen>
                    <ns3:MaPhuongXa>04924</ns3:MaPhuongXa>
                    <ns3:ChiTiet>PHƯỜNG THỐNG NHẤT, THÀNH PHỐ HÒA BÌNH, TỈNH HÒA BÌNH</ns3:ChiTiet>
                  </ns3:NoiDangKyKhaiSinh>
                  <ns3:ThuongTru>
                    <ns3:MaTinhThanh>25</ns3:MaTinhThanh><ns3:MaPhuongXa>04924</ns3:MaPhuongXa>
                    <ns3:ChiTiet>XÓM MỚI, PHƯỜNG THỐNG NHẤT, TỈNH PHÚ THỌ</ns3:ChiTiet><ns3:QuocGia>VIỆT NAM</ns3:QuocGia>
                  </ns3:ThuongTru>
                  <ns3:NoiOHienTai>
                    <ns3:MaTinhThanh>25</ns3:MaTinhThanh><ns3:MaQuanHuyen/><ns3:MaPhuongXa>04924</ns3:MaPhuongXa>
                    <ns3:ChiTiet>XÓM MỚI, PHƯỜNG THỐNG NHẤT, TỈNH PHÚ THỌ</ns3:ChiTiet>
                  </ns3:NoiOHienTai>
                </ns3:CongDan>
              </ns3:CongdanCollection>
            </ns2:TraCuuThongTinCongDanResponse>
          </soapenv:Body>
        </soapenv:Envelope>
        """

    @Test("a two-level address has no district, absent or empty; a three-level one keeps it")
    func twoLevelAddresses() throws {
        let answer = try PopulationSOAP.decodeAnswer(.lookup, Self.twoLevelLookupAnswer.utf8)
        guard case .lookedUp(let found) = answer, let citizen = found else {
            Issue.record("expected a citizen, got \(answer)")
            return
        }
        let twoLevel = Address(
            provinceCode: "25",
            wardCode: "04924",
            detail: "XÓM MỚI, PHƯỜNG THỐNG NHẤT, TỈNH PHÚ THỌ",
            country: "VIỆT NAM"
        )
        #expect(citizen.permanentAddress == twoLevel)
        #expect(citizen.currentAddress == Address(provinceCode: "25", wardCode: "04924", detail: twoLevel.detail))
        #expect(citizen.birthRegistrationPlace?.districtCode == "148")
        #expect(citizen.birthRegistrationPlace?.provinceCode == "17")
        // Written back the way the simulator answers, both forms read the same.
        let xml = PopulationSOAP.encodeLookupAnswer(requestId: "r", citizens: [citizen])
        #expect(try PopulationSOAP.decodeAnswer(.lookup, xml.utf8) == .lookedUp(citizen))
    }

    @Test("an empty collection is no citizen")
    func emptyCollection() throws {
        let xml = PopulationSOAP.encodeLookupAnswer(requestId: "r", citizens: [])
        #expect(try PopulationSOAP.decodeAnswer(.lookup, xml.utf8) == .lookedUp(nil))
    }

    @Test("verify answers", arguments: [true, false])
    func verifyAnswers(exists: Bool) throws {
        let xml = PopulationSOAP.encodeVerifyAnswer(requestId: "r", exists: exists)
        #expect(try PopulationSOAP.decodeAnswer(.verify, xml.utf8) == .verified(exists))
    }

    @Test("a record written by the simulator reads back with the same words")
    func recordRoundTrip() throws {
        let record = CitizenRecord(
            fullName: "NGUYỄN THỊ MINH KHAI",
            idNumber: "001190000123",
            legacyIdNumber: "012345678",
            gender: .female,
            ethnicity: CodeLists.ethnicity.entries.last?.name,
            religion: CodeLists.religion.entries.last?.name,
            maritalStatus: "Đang có vợ/chồng",
            bloodType: "AB",
            dateOfBirth: .full(year: 1990, month: 1, day: 5),
            nationality: "VIỆT NAM",
            birthRegistrationPlace: Address(
                provinceCode: "01",
                districtCode: "001",
                wardCode: "00001",
                detail: "PHƯỜNG A & B",
                country: "VIỆT NAM"
            ),
            hometown: nil,
            permanentAddress: Address(detail: "SỐ 1 <NGÕ 2>"),
            currentAddress: nil
        )
        let xml = PopulationSOAP.encodeLookupAnswer(requestId: "r", citizens: [record])
        #expect(try PopulationSOAP.decodeAnswer(.lookup, xml.utf8) == .lookedUp(record))
    }

    @Test(
        "faults say whose fault it is",
        arguments: [
            ("soap:Server", PopulationSOAP.Fault.Kind.server, "Server"),
            ("env:Client.NotPermitted", .client, "Client.NotPermitted"),
            ("Server.Busy", .server, "Server.Busy"),
        ]
    )
    func faults(code: String, kind: PopulationSOAP.Fault.Kind, localCode: String) throws {
        let xml = """
            <e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><e:Fault>\
            <faultcode>\(code)</faultcode><faultstring>detail</faultstring></e:Fault></e:Body></e:Envelope>
            """
        let answer = try PopulationSOAP.decodeAnswer(.verify, xml.utf8)
        #expect(answer == .fault(PopulationSOAP.Fault(kind: kind, code: localCode, message: "detail")))
    }

    @Test(
        "answers that are not the protocol's are refused",
        arguments: [
            "<html>busy</html>",
            #"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><X/></e:Body></e:Envelope>"#,
        ]
    )
    func malformedAnswers(body: String) {
        #expect(throws: PopulationSOAP.MessageError.self) { try PopulationSOAP.decodeAnswer(.verify, body.utf8) }
        #expect(throws: PopulationSOAP.MessageError.self) { try PopulationSOAP.decodeAnswer(.lookup, body.utf8) }
    }

    @Test(
        "ID numbers are masked",
        arguments: [("001234567887", "0012******87"), ("123456789", "1234***89"), ("12", "**")]
    )
    func masking(idNumber: String, masked: String) {
        #expect(maskedIdNumber(idNumber) == masked)
    }
}
