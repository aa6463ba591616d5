using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CrsMonitor.Benchmarks;

/// <summary>
/// The push ceiling: a bare Kestrel app with a SignalR hub at <c>/hubs/alerts</c> in this process, on its own loopback
/// port, built like the service's push path without anything else: <c>POST /fhir/Observation</c> reads the body, finds
/// the subject, and when that patient was "admitted" to a unit (<see cref="Admit"/>) writes a signal to a channel before
/// answering 201 (the service rings its bell after COMMIT, before the answer); one reader sends <c>alertRaised</c>
/// to the unit's group with a copy of a real alert document (same size). No authentication, no database, no grading,
/// no logging. Connections join the group named by the <c>unit</c> query parameter; <c>Resume</c> answers at once.
/// </summary>
public sealed class BareAlertServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private BareAlertServer(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public Uri Hub => new(BaseAddress, "/hubs/alerts");

    private ConcurrentDictionary<string, string> Units => app.Services.GetRequiredService<BarePush>().Units;

    public static async Task<BareAlertServer> StartAsync(string alertTemplate, CancellationToken ct)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        builder.Services.AddLogging();
        builder.Services.AddSignalR(o => o.MaximumReceiveMessageSize = 32 * 1024);
        var template = JsonNode.Parse(alertTemplate)!.AsObject();
        builder.Services.AddSingleton(sp => new BarePush(template, sp.GetRequiredService<IHubContext<BareAlertHub>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BarePush>());
        var app = builder.Build();
        app.UseRouting();
        app.MapPost("/fhir/Observation", async (HttpContext context, BarePush push) =>
        {
            var body = await ReadBodyAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
            if (SubjectOf(body) is { } patient && push.Units.TryGetValue(patient, out var unit))
            {
                push.Ring(unit, patient);
            }

            context.Response.StatusCode = StatusCodes.Status201Created;
        });
        app.MapHub<BareAlertHub>("/hubs/alerts");
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BareAlertServer(app, new Uri(address));
    }

    /// <summary>An Observation for <paramref name="patient"/> raises an alert on <paramref name="unit"/> from now on.</summary>
    public void Admit(string patient, string unit) => Units[patient] = unit;

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, 16 * 1024, ct).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>The id in <c>"subject":{"reference":"Patient/ID"}</c>, without parsing the rest.</summary>
    private static string? SubjectOf(byte[] body)
    {
        var marker = "\"subject\":{\"reference\":\"Patient/"u8;
        var at = body.AsSpan().IndexOf(marker);
        if (at < 0)
        {
            return null;
        }

        var rest = body.AsSpan(at + marker.Length);
        var end = rest.IndexOf((byte)'"');
        return end < 0 ? null : Encoding.UTF8.GetString(rest[..end]);
    }
}

/// <summary>The bare hub: the group of the <c>unit</c> query parameter; <c>Resume</c> without a database.</summary>
public sealed class BareAlertHub : Hub
{
    public override async Task OnConnectedAsync()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(Unit())).ConfigureAwait(false);
        await base.OnConnectedAsync().ConfigureAwait(false);
    }

    public Dictionary<string, long> Resume(Dictionary<string, long>? lastSeq) => new(StringComparer.Ordinal) { [Unit()] = lastSeq?.GetValueOrDefault(Unit()) ?? 0 };

    public static string Group(string unit) => $"unit:{unit}";

    private string Unit() => Context.GetHttpContext()?.Request.Query["unit"].ToString() ?? string.Empty;
}

/// <summary>The bell and the pusher of the bare ceiling: a channel, one reader, a group send per signal.</summary>
public sealed class BarePush(JsonObject template, IHubContext<BareAlertHub> hub) : BackgroundService
{
    private readonly Channel<(string Unit, string Patient, DateTimeOffset At)> channel =
        Channel.CreateUnbounded<(string, string, DateTimeOffset)>(new UnboundedChannelOptions { SingleReader = true });

    public ConcurrentDictionary<string, string> Units { get; } = new(StringComparer.Ordinal);

    /// <summary>Rings for an alert raised now (its <c>raisedAt</c>, as the service stamps it inside its transaction).</summary>
    public void Ring(string unit, string patient) => channel.Writer.TryWrite((unit, patient, DateTimeOffset.UtcNow));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (unit, patient, at) in channel.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            var alert = template.DeepClone().AsObject();
            alert["patientId"] = patient;
            alert["unit"] = unit;
            alert["raisedAt"] = at;
            await hub.Clients.Group(BareAlertHub.Group(unit)).SendAsync("alertRaised", alert, stoppingToken).ConfigureAwait(false);
        }
    }
}
