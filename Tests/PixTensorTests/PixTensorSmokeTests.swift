import Testing
@testable import PixTensor
