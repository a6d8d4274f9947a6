import Deploy
import Flink
import Testing

/// The vcores of the service's containers, as Flink's YARN client sets them.
@Suite struct VcoresTests {
    @Test func aTaskManagerHasACorePerSlotAndTheJobManagerOneUnlessTold() throws {
        var c = FlinkConfiguration()
        #expect(try Submitter.vcores(c) == (1, 1))
        c["taskmanager.numberOfTaskSlots"] = "4"
        #expect(try Submitter.vcores(c) == (1, 4))
        c["yarn.containers.vcores"] = "3"
        c["yarn.appmaster.vcores"] = "2"
        #expect(try Submitter.vcores(c) == (2, 3))
        for bad in ["0", "-1", "1.5", "", "three"] {
            c["yarn.containers.vcores"] = bad
            #expect(throws: FlinkError.self) { try Submitter.vcores(c) }
        }
    }
}
