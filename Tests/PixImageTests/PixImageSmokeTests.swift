import Testing
@testable import PixImage
