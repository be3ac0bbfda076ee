using System.Globalization;

namespace PveEmulator;

/// <summary>The `serve` command: prints one LISTENING line and serves until stdin closes.</summary>
internal static class EmulatorCommandLine
{
    private const string Usage =
        "usage: PveEmulator serve [--pve-version 9.2.0] [--root-password <pw>] [--port 0] [--seed <file.json>] " +
        "[--auth-failure-delay-ms <n>] [--ticket-lifetime-s <n>] " +
        "[--fault-latency-ms <n>] [--fault-5xx-rate <0..1>] [--fault-drop-before-rate <0..1>] [--fault-drop-after-rate <0..1>] " +
        "[--fault-malformed-rate <0..1>] [--fault-slow-body-ms <n>] [--fault-seed <n>] [--fault-method <GET|POST|PUT|DELETE>]";

    public static async Task<int> RunAsync(string[] args)
    {
        EmulatorOptions? options = Parse(args, Console.Error);
        if (options is null)
        {
            return 2;
        }

        EmulatorHost host;
        try
        {
            host = await EmulatorHost.StartAsync(options);
        }
        catch (ArgumentOutOfRangeException e)
        {
            // A fault rate outside 0..1 or a negative delay.
            Console.Error.WriteLine($"{e.Message}\n{Usage}");
            return 2;
        }
        await using EmulatorHost running = host;
        Console.Out.WriteLine($"LISTENING {running.Url} {running.CertificateSha256}");
        Console.Out.Flush();

        // Serve until whoever started us closes our standard input (or kills us).
        await Task.Run(() =>
        {
            using var stdin = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (stdin.Read(buffer, 0, buffer.Length) > 0) { }
        });
        return 0;
    }

    /// <summary>The options after `serve`; null (with the usage on <paramref name="error"/>) when the command line is wrong.</summary>
    internal static EmulatorOptions? Parse(string[] args, TextWriter error)
    {
        if (args.Length == 0 || args[0] != "serve")
        {
            error.WriteLine(Usage);
            return null;
        }

        var options = new EmulatorOptions();
        for (int i = 1; i < args.Length; i++)
        {
            string name = args[i];
            if (i + 1 >= args.Length)
            {
                error.WriteLine($"missing value for {name}\n{Usage}");
                return null;
            }
            string value = args[++i];
            switch (name)
            {
                case "--pve-version": options.PveVersion = value; break;
                case "--root-password": options.RootPassword = value; break;
                case "--port": options.Port = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--seed": options.SeedFile = value; break;
                case "--auth-failure-delay-ms": options.AuthFailureDelayMs = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--ticket-lifetime-s": options.TicketLifetimeSeconds = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--fault-latency-ms": options.FaultLatencyMs = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--fault-5xx-rate": options.FaultServerErrorRate = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--fault-drop-before-rate": options.FaultDropBeforeRate = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--fault-drop-after-rate": options.FaultDropAfterRate = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--fault-malformed-rate": options.FaultMalformedRate = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--fault-slow-body-ms": options.FaultSlowBodyMs = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--fault-seed": options.FaultSeed = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--fault-method": options.FaultMethod = value; break;
                default:
                    error.WriteLine($"unknown option {name}\n{Usage}");
                    return null;
            }
        }

        return options;
    }
}
