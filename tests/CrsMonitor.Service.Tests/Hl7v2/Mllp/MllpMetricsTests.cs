using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using CrsMonitor.Service.Hl7v2.Mllp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static CrsMonitor.Service.Tests.Hl7v2.Mllp.MllpKit;

namespace CrsMonitor.Service.Tests.Hl7v2.Mllp;

/// <summary>The listener's instruments (on the service's meter): connections, messages, refusals, framing errors; no address in any label.</summary>
public sealed class MllpMetricsTests
{
    [Test]
    public async Task ConnectionsMessagesRefusalsAndFramingErrors_AreCounted_WithClosedLabelsOnly()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mllp:Enabled"] = "true", ["Mllp:Port"] = "0", ["Mllp:MaxConnections"] = "1",
        });
        builder.Services.AddSingleton<IMllpMessageHandler>(new RecordingHandler());
        builder.Services.AddMllpListener(builder.Configuration);
        using var host = builder.Build();
        var factory = host.Services.GetRequiredService<IMeterFactory>();
        var measured = new ConcurrentQueue<(string Name, long Value, string Labels)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Name.StartsWith("crsmonitor.mllp.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measured.Enqueue((instrument.Name, value, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")))));
        meters.Start();
        await host.StartAsync();
        try
        {
            var endPoint = host.Services.GetRequiredService<MllpListener>().LocalEndPoint!;
            using (var client = await ConnectAsync(endPoint))
            {
                await client.GetStream().WriteAsync(Frame("MSH|counted"));
                Assert.That(await ReadFrameAsync(client.GetStream()), Is.EqualTo(Frame(AckOf("MSH|counted"))));
                using var beyond = await ConnectAsync(endPoint);
                Assert.That(await ReadUntilClosedAsync(beyond.GetStream()), Is.Empty);
                await client.GetStream().WriteAsync(Ascii("garbage"));
                Assert.That(await ReadUntilClosedAsync(client.GetStream()), Is.Empty);
            }
        }
        finally
        {
            await host.StopAsync();
        }

        // In any order: a message is counted after its ACK is written, which the client may read first.
        Assert.That(measured.Where(m => m.Name != "crsmonitor.mllp.connections.open"), Is.EquivalentTo(new[]
        {
            ("crsmonitor.mllp.messages", 1L, "outcome=acknowledged"),
            ("crsmonitor.mllp.connections.refused", 1L, "reason=limit"),
            ("crsmonitor.mllp.framing_errors", 1L, "kind=data-outside-frame"),
        }));
        Assert.That(measured.Where(m => m.Name == "crsmonitor.mllp.connections.open").Select(m => m.Value), Is.EqualTo(new[] { 1L, -1L }));
    }
}
