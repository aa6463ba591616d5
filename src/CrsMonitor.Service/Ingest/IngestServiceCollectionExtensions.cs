namespace CrsMonitor.Service.Ingest;

public static class IngestServiceCollectionExtensions
{
    /// <summary>
    /// Registers the ingester: <see cref="IngestData"/> (loaded from <paramref name="dataDirectory"/>, by default
    /// <see cref="IngestData.DefaultDirectory"/>), <see cref="IngestRules"/> and <see cref="Normaliser"/> as singletons,
    /// and a start-up check that loads the data before the service answers, so a broken data file stops it with a
    /// message naming the file and the problem.
    /// </summary>
    public static IServiceCollection AddIngest(this IServiceCollection services, string? dataDirectory = null)
    {
        services.AddSingleton(_ => IngestData.Load(dataDirectory ?? IngestData.DefaultDirectory));
        services.AddSingleton<IngestRules>();
        services.AddSingleton<Normaliser>();
        services.AddHostedService<IngestDataCheck>();
        return services;
    }

    /// <summary>Resolves <see cref="IngestData"/> at start-up (its loading throws on a broken file).</summary>
    private sealed class IngestDataCheck(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            services.GetRequiredService<IngestData>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
