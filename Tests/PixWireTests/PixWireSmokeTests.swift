import Testing
@testable import PixWire
