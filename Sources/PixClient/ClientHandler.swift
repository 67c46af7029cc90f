import NIOCore
import PixWire

/// Decodes the daemon's frames on the event loop and hands each message to the router.
final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let router: CallRouter
    private var decoder: FrameDecoder
    private let maxFrameBytes: Int

    init(router: CallRouter, maxFrameBytes: Int) {
        self.router = router
        self.maxFrameBytes = maxFrameBytes
        self.decoder = FrameDecoder(maxFrameBytes: maxFrameBytes)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        decoder.append(unwrapInboundIn(data).readableBytesView)
        do {
            while let frame = try decoder.next() {
                router.deliver(try ServerMessage.decode(try frame.message(maxBytes: maxFrameBytes)))
            }
        } catch {
            router.closeAll(.protocolError("\(error)"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        router.closeAll(.connectionClosed("the daemon closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        router.closeAll(.connectionClosed("\(error)"))
        context.close(promise: nil)
    }
}
