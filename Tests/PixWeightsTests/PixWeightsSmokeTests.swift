import Testing
@testable import PixWeights
