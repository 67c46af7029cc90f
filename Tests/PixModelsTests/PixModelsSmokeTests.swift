import Testing
@testable import PixModels
