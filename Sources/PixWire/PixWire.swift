internal import CProtobufC

/// Size of the generated HealthRequest struct (proves the generated code links); replaced by the codec.
func _generatedCodeLinks() -> Int { MemoryLayout<Pixwizard__V1__HealthRequest>.size }
