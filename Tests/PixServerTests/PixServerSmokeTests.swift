import Testing
@testable import PixServer
