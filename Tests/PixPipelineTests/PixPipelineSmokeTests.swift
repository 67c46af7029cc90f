import Testing
@testable import PixPipeline
