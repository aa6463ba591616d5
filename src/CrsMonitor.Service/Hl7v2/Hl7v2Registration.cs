using CrsMonitor.Service.Hl7v2.Mllp;
using CrsMonitor.Service.Hl7v2.Translation;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Monitoring.Schedule;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Hl7v2;

public static class Hl7v2Registration
{
    /// <summary>
    /// The HL7 v2 interface: settings (<c>Hl7v2</c>, checked at start-up), the mapping tables of schemas/hl7v2 (loaded at
    /// start-up: a broken file stops the service), the translators, the message handler, and the MLLP listener
    /// (<c>Mllp</c>, off unless <c>Mllp:Enabled</c>).
    /// </summary>
    public static IServiceCollection AddHl7v2(this IServiceCollection services, IConfiguration configuration, string? dataDirectory = null)
    {
        services.AddStrictSettings<Hl7v2Settings>(Hl7v2Settings.SectionName)
            .Validate(s => s.Problems().Count == 0, "Hl7v2 settings are not valid (start the service as a program to see each problem)");
        services.AddSingleton(_ => Hl7v2Data.Load(dataDirectory ?? Hl7v2Data.DefaultDirectory));
        services.AddHostedService<Hl7v2DataCheck>();
        services.AddSingleton(sp => new V2Time(TimeZoneInfo.FindSystemTimeZoneById(sp.GetRequiredService<IOptions<MonitoringSettings>>().Value.TimeZone)));
        services.AddSingleton(sp => new V2Identifiers(sp.GetRequiredService<IOptions<Hl7v2Settings>>().Value));
        services.AddSingleton<V2Codes>();
        services.AddSingleton<V2Values>();
        services.AddSingleton<OruTranslator>();
        services.AddSingleton<AdtTranslator>();
        services.AddSingleton<RasTranslator>();
        services.AddSingleton<V2Translator>();
        services.AddSingleton<V2Refusals>();
        services.AddSingleton<MessageGate>();
        services.AddSingleton<MessageLogPurge>();
        services.AddHostedService(sp => sp.GetRequiredService<MessageLogPurge>());
        services.AddSingleton<IMllpMessageHandler, V2MessageHandler>();
        services.AddMllpListener(configuration);
        return services;
    }

    /// <summary>Resolves the tables at start-up (their loading throws on a broken file).</summary>
    private sealed class Hl7v2DataCheck(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            services.GetRequiredService<Hl7v2Data>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
