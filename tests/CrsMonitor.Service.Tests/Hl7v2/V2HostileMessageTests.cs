using System.Net;
using CrsMonitor.Service.Hl7v2.Er7;
using CrsMonitor.Service.Hl7v2.Mllp;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Hl7v2.Er7;
using Microsoft.Extensions.DependencyInjection;

namespace CrsMonitor.Service.Tests.Hl7v2;

/// <summary>
/// No input makes the v2 path fail: every payload of the ER7 malformed corpus (delimiter swaps, bad escapes, controls,
/// huge counts, charsets, and per sample truncations at every byte and random mutations), handed to the service's
/// message handler as the listener would, gets an ACK that parses, answers AA, AE or AR, and never an exception.
/// </summary>
public sealed class V2HostileMessageTests
{
    private V2Host v2 = null!;
    private IMllpMessageHandler handler = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        v2 = await V2Host.StartAsync(StorageProvider.Sqlite);
        handler = v2.Host.Services.GetRequiredService<IMllpMessageHandler>();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await v2.DisposeAsync();

    [Test]
    public async Task Every_malformed_payload_gets_an_ACK_and_never_an_exception()
    {
        var peer = new MllpPeer(IPAddress.Loopback, 40000, "corpus", null);
        var codes = new Dictionary<string, int>();
        var corpus = Er7MalformedCorpus.Cases
            .Concat(Er7MalformedCorpus.Truncations("oru"))
            .Concat(Er7Samples.All.SelectMany(sample => Er7MalformedCorpus.RandomMutations(sample.Name)))
            .ToList();
        foreach (var input in corpus)
        {
            var ack = await handler.HandleAsync(input.Body, peer, CancellationToken.None);
            var parsed = Er7Parser.Parse(Er7Text.Decode(ack));
            var code = parsed.First("MSA")?[1].Value;
            Assert.That(code, Is.AnyOf("AA", "AE", "AR"), input.Name);
            if (input.Expect == Er7Expect.Refused)
            {
                Assert.That(code, Is.EqualTo("AE"), $"{input.Name}: what the parser refuses is an AE");
                Assert.That(parsed.First("ERR"), Is.Not.Null, $"{input.Name}: with an ERR naming where");
            }

            codes[code!] = codes.GetValueOrDefault(code!) + 1;
        }

        TestContext.Out.WriteLine(string.Join(", ", codes.Select(c => $"{c.Key} {c.Value}")));
        Assert.That(codes.GetValueOrDefault("AE"), Is.GreaterThan(corpus.Count / 2), "most of the corpus is refused");
    }
}
