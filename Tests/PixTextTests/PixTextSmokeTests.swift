import Testing
@testable import PixText
