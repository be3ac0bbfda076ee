using System.Text.Json.Nodes;

namespace PveTokens.Tests.Emulator;

/// <summary>Replays each corpus file once against a fresh emulator; the tests then look up single exchanges.</summary>
public sealed class GoldenReplayFixture : IAsyncLifetime
{
    private readonly Dictionary<(string File, int Seq), ExchangeOutcome> _outcomes = [];

    internal ExchangeOutcome Outcome(string file, int seq) => _outcomes[(file, seq)];

    public async Task InitializeAsync()
    {
        foreach (string file in GoldenReplayTests.Files)
        {
            foreach (ExchangeOutcome outcome in await GoldenReplay.RunAsync(file))
            {
                _outcomes[(file, outcome.Seq)] = outcome;
            }
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>
/// The golden replay (issue 9): every exchange recorded from real Proxmox VE must come back from
/// the emulator with the same status line, Content-Type, Connection headers and body.
/// </summary>
public sealed class GoldenReplayTests(GoldenReplayFixture fixture) : IClassFixture<GoldenReplayFixture>
{
    internal static readonly string[] Files = ["pve-9.2.jsonl", "pve-8.4.jsonl"];

    /// <summary>
    /// The one place for exchanges the emulator deliberately does not reproduce, with the reason
    /// (also listed in tests/PveEmulator/README.md). An entry whose exchange passes fails the test,
    /// so the list cannot go stale.
    /// </summary>
    private static readonly Dictionary<(string File, int Seq), string> KnownDeviations = new()
    {
    };

    public static TheoryData<string, int, string> Exchanges()
    {
        var data = new TheoryData<string, int, string>();
        foreach (string file in Files)
        {
            foreach (JsonObject record in GoldenReplay.Load(file))
            {
                data.Add(file, record["seq"]!.GetValue<int>(), record["name"]!.GetValue<string>());
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Exchanges))]
    public void ExchangeMatchesTheRecording(string file, int seq, string name)
    {
        ExchangeOutcome outcome = fixture.Outcome(file, seq);
        if (KnownDeviations.TryGetValue((file, seq), out string? reason))
        {
            Assert.True(outcome.Mismatches.Count > 0, $"{file} #{seq} '{name}' now matches; remove it from KnownDeviations ({reason})");
            return;
        }
        Assert.True(outcome.Mismatches.Count == 0,
            $"{file} #{seq} '{name}'\n--- request\n{outcome.Request}--- expected\n{outcome.Expected}\n--- actual\n{outcome.Actual}\n--- differences\n"
            + string.Join("\n", outcome.Mismatches));
    }

    [Fact]
    public void EveryFileHasTheDocumentedNumberOfExchanges()
    {
        Assert.Equal(299, GoldenReplay.Load("pve-9.2.jsonl").Count());
        Assert.Equal(80, GoldenReplay.Load("pve-8.4.jsonl").Count());
    }
}
