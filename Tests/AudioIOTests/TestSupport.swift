import CSndFile
import Foundation
import TestSupport
import XCTest

/// Writes interleaved float samples with libsndfile in any format it supports (test fixture maker).
func writeWithSndfile(_ path: String, interleaved: [Float], channels: Int, sampleRate: Int, format: Int32) {
    var info = SF_INFO()
    info.samplerate = Int32(sampleRate)
    info.channels = Int32(channels)
    info.format = format
    guard let file = sf_open(path, Int32(SFM_WRITE), &info) else {
        fatalError("sf_open(\(path)) for writing: \(String(cString: sf_strerror(nil)))")
    }
    let frames = interleaved.count / channels
    let written = interleaved.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t(frames)) }
    precondition(written == frames, "short write to \(path)")
    sf_close(file)
}
