import Testing
@testable import Security
@Test func placeholder() {}
