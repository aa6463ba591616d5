using System.Net;
using System.Net.Sockets;
using CrsMonitor.Service.Hl7v2.Mllp;
using static CrsMonitor.Service.Tests.Hl7v2.Mllp.MllpKit;

namespace CrsMonitor.Service.Tests.Hl7v2.Mllp;

/// <summary>
/// The listener over real sockets on 127.0.0.1 (plain TCP): framing as senders really split and join their writes,
/// one message at a time per connection, every way a connection is closed without an ACK, and the limits.
/// </summary>
public sealed class MllpListenerTests
{
    private const string Message = "MSH|^~\\&|EHR|WARD|CRS|MON|20250301080000||ORU^R01|42|P|2.5.1\rPID|1||4711^^^HOSP^MR||DOE^JANE\r";

    [Test]
    public async Task AFramedMessage_ReachesTheHandlerExactly_AndItsAckComesBackFramed()
    {
        await using var running = await StartAsync(Settings());
        using var client = await ConnectAsync(running.EndPoint);
        var stream = client.GetStream();
        await stream.WriteAsync(Frame(Message));

        var ack = await ReadFrameAsync(stream);

        Assert.That(ack, Is.EqualTo(Frame(AckOf(Message))), "0x0B, the handler's ACK byte for byte, 0x1C 0x0D");
        var (payload, peer) = running.Handler.Calls.Single();
        Assert.That(payload, Is.EqualTo(Message));
        Assert.That(peer.Address, Is.EqualTo(IPAddress.Loopback));
        Assert.That(peer.Port, Is.EqualTo(((IPEndPoint)client.Client.LocalEndPoint!).Port));
        Assert.That(peer.ConnectionId, Does.Match("^[0-9a-f]{16}$"));
        Assert.That(peer.ClientCertificateSubject, Is.Null, "plain TCP verifies nobody");
        Assert.That(running.EndPoint.Address, Is.EqualTo(IPAddress.Loopback));
        Assert.That(running.EndPoint.Port, Is.Not.Zero, "port 0 became the port actually bound");
    }

    [Test]
    public async Task SeveralMessagesOnOneConnection_AreHandledInOrder_EachAcknowledgedBeforeTheNext()
    {
        await using var running = await StartAsync(Settings());
        using var client = await ConnectAsync(running.EndPoint);
        var stream = client.GetStream();
        string[] messages = ["MSH|1", "MSH|2", "MSH|3", "MSH|4", "MSH|5"];
        foreach (var message in messages)
        {
            await stream.WriteAsync(Frame(message));
            Assert.That(await ReadFrameAsync(stream), Is.EqualTo(Frame(AckOf(message))));
        }

        Assert.That(running.Handler.Payloads, Is.EqualTo(messages));
        Assert.That(running.Handler.Calls.Select(c => c.Peer.ConnectionId).Distinct().Count(), Is.EqualTo(1), "one connection, one id");
    }

    [Test]
    public async Task AFrameWrittenByteByByte_IsOneMessage()
    {
        await using var running = await StartAsync(Settings());
        using var client = await ConnectAsync(running.EndPoint);
        var stream = client.GetStream();
        foreach (var b in Frame(Message))
        {
            await stream.WriteAsync(new[] { b });
            await stream.FlushAsync();
        }

        Assert.That(await ReadFrameAsync(stream), Is.EqualTo(Frame(AckOf(Message))));
        Assert.That(running.Handler.Payloads, Is.EqualTo(new[] { Message }));
    }

    [Test]
    public async Task TwoFramesInOneWrite_TheSecondIsHandledOnlyAfterTheFirstAckWasWritten()
    {
        await using var running = await StartAsync(Settings());
        var firstAckReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var concurrent = 0;
        var mostConcurrent = 0;
        running.Handler.Behaviour = async (payload, _, ct) =>
        {
            mostConcurrent = Math.Max(mostConcurrent, Interlocked.Increment(ref concurrent));
            if (payload == "second")
            {
                // Had the listener handled this before writing the first ACK, the client could never see that ACK: hang, guard, fail.
                await firstAckReceived.Task.WaitAsync(Guard, ct);
            }

            Interlocked.Decrement(ref concurrent);
            return Ascii(AckOf(payload));
        };
        using var client = await ConnectAsync(running.EndPoint);
        var stream = client.GetStream();
        await stream.WriteAsync((byte[])[.. Frame("first"), .. Frame("second")]);

        Assert.That(await ReadFrameAsync(stream), Is.EqualTo(Frame(AckOf("first"))));
        firstAckReceived.SetResult();
        Assert.That(await ReadFrameAsync(stream), Is.EqualTo(Frame(AckOf("second"))));
        Assert.That(running.Handler.Payloads, Is.EqualTo(new[] { "first", "second" }));
        Assert.That(mostConcurrent, Is.EqualTo(1));
    }

    [Test]
    public async Task CrAndLfBetweenFrames_AreTolerated()
    {
        await using var running = await StartAsync(Settings());
        using var client = await ConnectAsync(running.EndPoint);
        var stream = client.GetStream();
        await stream.WriteAsync((byte[])[.. Frame("one"), 0x0D, 0x0A, .. Frame("two"), 0x0A]);
        Assert.That(await ReadFrameAsync(stream), Is.EqualTo(Frame(AckOf("one"))));
        Assert.That(await ReadFrameAsync(stream), Is.EqualTo(Frame(AckOf("two"))));
        await stream.WriteAsync((byte[])[0x0D, .. Frame("three")]);
        Assert.That(await ReadFrameAsync(stream), Is.EqualTo(Frame(AckOf("three"))));
    }

    [TestCase("garbage before the start block", "a byte other than the start block")]
    [TestCase("end block not followed by CR", "an end block (0x1C) not followed by CR")]
    [TestCase("start block inside a frame", "a start block (0x0B) inside a frame")]
    public async Task AFramingError_ClosesTheConnection_WithNoAck_NothingHandedOn_LoggedWithoutContent(string kind, string logged)
    {
        byte[] bytes = kind switch
        {
            "garbage before the start block" => [.. Ascii("XYZ"), .. Frame(Message)],
            "end block not followed by CR" => [0x0B, .. Ascii(Message), 0x1C, (byte)'X', .. Frame(Message)],
            _ => [0x0B, .. Ascii("MSH|half"), .. Frame(Message)],
        };
        await using var running = await StartAsync(Settings());
        using var client = await ConnectAsync(running.EndPoint);
        var stream = client.GetStream();
        await stream.WriteAsync(bytes);

        Assert.That(await ReadUntilClosedAsync(stream), Is.Empty, "no ACK");
        Assert.That(running.Handler.Calls, Is.Empty);
        var log = LogText(running);
        Assert.That(log, Does.Contain("closed on a framing error: " + logged));
        Assert.That(log, Does.Not.Contain("DOE").And.Not.Contain("4711").And.Not.Contain("XYZ").And.Not.Contain("MSH"), "no message content in logs");
        Assert.That(running.Log.Entries.Single(e => e.Message.Contains("framing error", StringComparison.Ordinal)).Message,
            Does.Contain($"MLLP connection {ConnectionIdOf(running)} "));
    }

    [Test]
    public async Task AFrameGrowingPastMaxMessageBytes_ClosesTheConnection_AndIsNeverHandedOn()
    {
        await using var running = await StartAsync(Settings(maxMessageBytes: 1024));
        using (var atLimit = await ConnectAsync(running.EndPoint))
        {
            var payload = new string('x', 1024);
            await atLimit.GetStream().WriteAsync(Frame(payload));
            Assert.That(await ReadFrameAsync(atLimit.GetStream()), Is.EqualTo(Frame(AckOf(payload))), "exactly the limit is allowed");
        }

        using var client = await ConnectAsync(running.EndPoint);
        var stream = client.GetStream();
        await WriteQuietlyAsync(stream, Frame(new string('y', 1025)));

        Assert.That(await ReadUntilClosedAsync(stream), Is.Empty);
        Assert.That(running.Handler.Payloads, Has.None.Contain("y"));
        Assert.That(running.Handler.Calls, Has.Count.EqualTo(1));
        Assert.That(LogText(running), Does.Contain("a frame larger than Mllp:MaxMessageBytes (1024 bytes)"));
    }

    [Test]
    public async Task APeerClosingInTheMiddleOfAFrame_IsDropped_AndLogged()
    {
        await using var running = await StartAsync(Settings());
        using var client = await ConnectAsync(running.EndPoint);
        var stream = client.GetStream();
        await stream.WriteAsync((byte[])[0x0B, .. Ascii("MSH|half a message")]);
        client.Client.Shutdown(SocketShutdown.Send);

        Assert.That(await ReadUntilClosedAsync(stream), Is.Empty);
        Assert.That(running.Handler.Calls, Is.Empty);
        Assert.That(LogText(running), Does.Contain("closed by the peer in the middle of a frame (18 payload bytes received)"));
    }

    [Test]
    public async Task MoreConnectionsThanMaxConnections_AreClosedAtOnce_AndAClosedOneFreesItsPlace()
    {
        await using var running = await StartAsync(Settings(maxConnections: 2));
        using var first = await ConnectAsync(running.EndPoint);
        using var second = await ConnectAsync(running.EndPoint);
        foreach (var client in new[] { first, second })
        {
            await client.GetStream().WriteAsync(Frame("held"));
            Assert.That(await ReadFrameAsync(client.GetStream()), Is.EqualTo(Frame(AckOf("held"))));
        }

        using (var third = await ConnectAsync(running.EndPoint))
        {
            await WriteQuietlyAsync(third.GetStream(), Frame("third"));
            Assert.That(await ReadUntilClosedAsync(third.GetStream()), Is.Empty);
        }

        Assert.That(running.Handler.Payloads, Is.EqualTo(new[] { "held", "held" }));
        Assert.That(running.Listener.OpenConnections, Is.EqualTo(2));
        Assert.That(LogText(running), Does.Contain("MLLP connection from 127.0.0.1 refused: 2 connections are open, Mllp:MaxConnections is 2"));

        // The listener notices the close asynchronously: a few attempts (each a round trip, no sleeping) until one is taken.
        first.Dispose();
        var acknowledged = false;
        for (var attempt = 0; attempt < 500 && !acknowledged; attempt++)
        {
            using var again = await ConnectAsync(running.EndPoint);
            await WriteQuietlyAsync(again.GetStream(), Frame("again"));
            acknowledged = (await ReadUntilClosedOrFrameAsync(again.GetStream())).Length > 0;
        }

        Assert.That(acknowledged, Is.True, "the closed connection's place was given back");
    }

    [Test]
    public async Task AConnectionFromOutsideAllowedNetworks_IsClosedAtOnce_AndLoggedByAddressOnly()
    {
        await using var running = await StartAsync(Settings(allowedNetworks: ["10.0.0.0/8", "::1/128"]));
        using var client = await ConnectAsync(running.EndPoint);
        var stream = client.GetStream();
        await WriteQuietlyAsync(stream, Frame(Message));

        Assert.That(await ReadUntilClosedAsync(stream), Is.Empty);
        Assert.That(running.Handler.Calls, Is.Empty);
        Assert.That(running.Listener.OpenConnections, Is.Zero);
        Assert.That(LogText(running), Does.Contain("MLLP connection from 127.0.0.1 refused: not in Mllp:AllowedNetworks"));
    }

    [Test]
    public async Task AllowedNetworksHoldingLoopback_AdmitsIt()
    {
        await using var running = await StartAsync(Settings(allowedNetworks: ["10.0.0.0/8", "127.0.0.1/32"]));
        using var client = await ConnectAsync(running.EndPoint);
        await client.GetStream().WriteAsync(Frame("in"));
        Assert.That(await ReadFrameAsync(client.GetStream()), Is.EqualTo(Frame(AckOf("in"))));
    }

    [Test]
    public async Task AConnectionSilentForIdleTimeoutSeconds_IsClosed_OnTheHostsClock()
    {
        await using var running = await StartAsync(Settings(idleTimeoutSeconds: 300));
        using var client = await ConnectAsync(running.EndPoint);
        var stream = client.GetStream();
        await stream.WriteAsync(Frame("first"));
        Assert.That(await ReadFrameAsync(stream), Is.EqualTo(Frame(AckOf("first"))));

        // The idle timer restarts before an ACK is written, so it is running from an instant before the client read it.
        running.Time.Advance(TimeSpan.FromSeconds(299));
        await stream.WriteAsync(Frame("second"));
        Assert.That(await ReadFrameAsync(stream), Is.EqualTo(Frame(AckOf("second"))), "299 s of silence is not enough");
        running.Time.Advance(TimeSpan.FromSeconds(299));
        await stream.WriteAsync(Frame("third"));
        Assert.That(await ReadFrameAsync(stream), Is.EqualTo(Frame(AckOf("third"))), "598 s since the connection opened, but each silence was 299 s");

        running.Time.Advance(TimeSpan.FromSeconds(300));
        Assert.That(await ReadUntilClosedAsync(stream), Is.Empty);
        Assert.That(LogText(running), Does.Contain("closed after 300 s without data (Mllp:IdleTimeoutSeconds)"));
    }

    [Test]
    public async Task TheIdleTimer_DoesNotRunWhileAMessageIsInHand()
    {
        await using var running = await StartAsync(Settings(idleTimeoutSeconds: 60));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        running.Handler.Behaviour = async (payload, _, ct) =>
        {
            entered.SetResult();
            await release.Task.WaitAsync(Guard, ct);
            return Ascii(AckOf(payload));
        };
        using var client = await ConnectAsync(running.EndPoint);
        var stream = client.GetStream();
        await stream.WriteAsync(Frame("slow"));
        await entered.Task.WaitAsync(Guard);
        running.Time.Advance(TimeSpan.FromMinutes(10));
        release.SetResult();
        Assert.That(await ReadFrameAsync(stream), Is.EqualTo(Frame(AckOf("slow"))));
    }

    [Test]
    public async Task TwentyConnections_OneSlowHandler_DoesNotHoldUpTheOthers()
    {
        await using var running = await StartAsync(Settings());
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        running.Handler.Behaviour = async (payload, _, ct) =>
        {
            if (payload == "slow")
            {
                slowEntered.SetResult();
                await release.Task.WaitAsync(Guard, ct);
            }

            return Ascii(AckOf(payload));
        };
        var clients = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                clients.Add(await ConnectAsync(running.EndPoint));
            }

            await clients[0].GetStream().WriteAsync(Frame("slow"));
            await slowEntered.Task.WaitAsync(Guard);
            var others = clients.Skip(1).Select(async (client, i) =>
            {
                var stream = client.GetStream();
                await stream.WriteAsync(Frame($"fast-{i}"));
                return await ReadFrameAsync(stream);
            }).ToList();
            var acks = await Task.WhenAll(others);

            Assert.That(acks, Is.EqualTo(Enumerable.Range(0, 19).Select(i => Frame(AckOf($"fast-{i}")))), "19 ACKs while the slow one is still in hand");
            Assert.That(running.Listener.OpenConnections, Is.EqualTo(20));
            release.SetResult();
            Assert.That(await ReadFrameAsync(clients[0].GetStream()), Is.EqualTo(Frame(AckOf("slow"))));
        }
        finally
        {
            release.TrySetResult();
            clients.ForEach(c => c.Dispose());
        }
    }

    [Test]
    public async Task AHandlerThatThrows_ClosesItsConnectionWithoutAnAck_LoggingNoContent_AndTheListenerGoesOn()
    {
        await using var running = await StartAsync(Settings());
        running.Handler.Behaviour = (payload, _, _) =>
            payload == "boom" ? throw new InvalidOperationException("could not store PID|1||4711^^^HOSP^MR||DOE^JANE") : Task.FromResult(Ascii(AckOf(payload)));
        using (var client = await ConnectAsync(running.EndPoint))
        {
            var stream = client.GetStream();
            await stream.WriteAsync((byte[])[.. Frame("boom"), .. Frame("after")]);
            Assert.That(await ReadUntilClosedAsync(stream), Is.Empty, "no ACK, and the frame after it was never handled");
        }

        Assert.That(running.Handler.Payloads, Is.EqualTo(new[] { "boom" }));
        var log = LogText(running);
        Assert.That(log, Does.Contain("the message handler failed with System.InvalidOperationException"));
        Assert.That(log, Does.Not.Contain("DOE").And.Not.Contain("4711"), "an exception's message may quote PHI: not logged");

        using var next = await ConnectAsync(running.EndPoint);
        await next.GetStream().WriteAsync(Frame("next"));
        Assert.That(await ReadFrameAsync(next.GetStream()), Is.EqualTo(Frame(AckOf("next"))));
    }

    [Test]
    public async Task AnAckHoldingAFramingByte_IsNotSent_TheConnectionCloses()
    {
        await using var running = await StartAsync(Settings());
        running.Handler.Behaviour = (_, _, _) => Task.FromResult<byte[]>([(byte)'A', 0x1C, 0x0D]);
        using var client = await ConnectAsync(running.EndPoint);
        await client.GetStream().WriteAsync(Frame("x"));
        Assert.That(await ReadUntilClosedAsync(client.GetStream()), Is.Empty);
        Assert.That(LogText(running), Does.Contain("an ACK holding an MLLP framing byte"));
    }

    [Test]
    public async Task OnStop_AMessageInHandIsFinishedAndAcknowledged_ThenTheConnectionClosesAndNothingNewIsAccepted()
    {
        await using var running = await StartAsync(Settings());
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        running.Handler.Behaviour = async (payload, _, ct) =>
        {
            entered.TrySetResult();
            await release.Task.WaitAsync(Guard, ct);
            return Ascii(AckOf(payload));
        };
        using var busy = await ConnectAsync(running.EndPoint);
        using var quiet = await ConnectAsync(running.EndPoint);
        await busy.GetStream().WriteAsync(Frame("in hand"));
        await entered.Task.WaitAsync(Guard);

        running.Lifetime.StopApplication(); // ApplicationStopping, then the host's stop
        using var guard = GuardToken();
        var stop = running.Listener.StopAsync(guard.Token);
        Assert.That(await ReadUntilClosedAsync(quiet.GetStream()), Is.Empty, "an idle connection is closed at once");
        var refused = await Assert.CatchAsync<SocketException>(async () =>
        {
            using var late = await ConnectAsync(running.EndPoint);
        });
        Assert.That(refused!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused), "no longer listening");
        Assert.That(stop.IsCompleted, Is.False, "the stop waits for the message in hand");

        release.SetResult();
        Assert.That(await ReadUntilClosedAsync(busy.GetStream()), Is.EqualTo(Frame(AckOf("in hand"))), "its ACK, then the close");
        await stop.WaitAsync(Guard);
    }

    [Test]
    public async Task OnStop_AHandlerThatDoesNotFinish_IsGivenUpAfterTheGracePeriod_WithoutAnAck()
    {
        await using var running = await StartAsync(Settings());
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        running.Handler.Behaviour = (_, _, _) =>
        {
            entered.TrySetResult();
            return never.Task; // ignores its cancellation token, as a stuck handler would
        };
        using var client = await ConnectAsync(running.EndPoint);
        await client.GetStream().WriteAsync(Frame("stuck"));
        await entered.Task.WaitAsync(Guard);

        running.Lifetime.StopApplication(); // ApplicationStopping: the grace period starts on the fake clock now
        using var guard = GuardToken();
        var stop = running.Listener.StopAsync(guard.Token);
        running.Time.Advance(MllpListener.StopGrace - TimeSpan.FromMilliseconds(1));
        Assert.That(stop.IsCompleted, Is.False, "still within the grace period");
        running.Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.That(await ReadUntilClosedAsync(client.GetStream()), Is.Empty);
        await stop.WaitAsync(Guard);
        Assert.That(LogText(running), Does.Contain("stopped with 1 connection(s) still handling a message after the grace period"));
        never.SetResult([]);
    }

    [Test]
    public async Task Disabled_NothingListens()
    {
        var settings = new MllpSettings { Enabled = false, Port = 0 };
        await using var running = await StartAsync(settings);
        Assert.That(running.Listener.LocalEndPoint, Is.Null);
    }

    private static string ConnectionIdOf(RunningListener running) =>
        running.Log.Entries.Select(e => e.Message).First(m => m.EndsWith(" opened", StringComparison.Ordinal)).Split(' ')[2];

    /// <summary>An ACK frame if one comes, else empty once closed.</summary>
    private static async Task<byte[]> ReadUntilClosedOrFrameAsync(Stream stream)
    {
        using var guard = GuardToken();
        var received = new List<byte>();
        var one = new byte[1];
        try
        {
            while (received.Count < 2 || received[^2] != 0x1C || received[^1] != 0x0D)
            {
                if (await stream.ReadAsync(one, guard.Token) == 0)
                {
                    return [];
                }

                received.Add(one[0]);
            }
        }
        catch (IOException)
        {
            return [];
        }

        return [.. received];
    }
}
