using System.Text.Json;
using System.Text.Json.Serialization;
using PveTokens.Access;
using PveTokens.Client;

namespace PveTokens.Tests.Client;

public class PveJsonTests
{
    public sealed class Sample
    {
        [JsonPropertyName("expire")]
        public long Expire { get; set; }

        [JsonPropertyName("privsep")]
        public bool Privsep { get; set; }

        [JsonPropertyName("count")]
        public int Count { get; set; }

        [JsonPropertyName("maybe")]
        public long? Maybe { get; set; }
    }

    [Theory]
    [InlineData("""{"expire":1767225600,"privsep":1,"count":3}""", 1767225600L, true, 3)]
    [InlineData("""{"expire":"1767225600","privsep":"1","count":"3"}""", 1767225600L, true, 3)]
    [InlineData("""{"expire":0,"privsep":0,"count":0}""", 0L, false, 0)]
    [InlineData("""{"expire":"0","privsep":"0"}""", 0L, false, 0)]
    [InlineData("""{"expire":4102444800,"privsep":true}""", 4102444800L, true, 0)]
    [InlineData("""{"expire":"+5","privsep":false}""", 5L, false, 0)]
    [InlineData("""{"expire":99999999999,"privsep":"true"}""", 99999999999L, true, 0)]
    public void AcceptsNumbersNumericStringsAndBooleans(string json, long expire, bool privsep, int count)
    {
        Sample s = JsonSerializer.Deserialize<Sample>(json, PveJson.Options)!;
        Assert.Equal(expire, s.Expire);
        Assert.Equal(privsep, s.Privsep);
        Assert.Equal(count, s.Count);
    }

    [Theory]
    [InlineData("""{"maybe":null}""", null)]
    [InlineData("""{"maybe":"42"}""", 42L)]
    [InlineData("""{"maybe":42}""", 42L)]
    [InlineData("""{}""", null)]
    public void NullableIntegersTakeNull(string json, long? expected) =>
        Assert.Equal(expected, JsonSerializer.Deserialize<Sample>(json, PveJson.Options)!.Maybe);

    [Theory]
    [InlineData("""{"expire":"soon"}""")]
    [InlineData("""{"expire":1.5}""")]
    [InlineData("""{"privsep":"yes"}""")]
    [InlineData("""{"count":99999999999}""")]
    public void RejectsWhatIsNoIntegerOrBoolean(string json) =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Sample>(json, PveJson.Options));

    [Fact]
    public void ElementHelpersHaveTheSameTolerance()
    {
        using JsonDocument doc = JsonDocument.Parse("""{"a":1,"b":"1","c":true,"d":"0","e":null,"f":"x","g":7}""");
        JsonElement r = doc.RootElement;
        Assert.Equal(1L, PveJson.GetInt64(r.GetProperty("a")));
        Assert.Equal(1L, PveJson.GetInt64(r.GetProperty("b")));
        Assert.Equal(true, PveJson.GetBoolean(r.GetProperty("a")));
        Assert.Equal(true, PveJson.GetBoolean(r.GetProperty("b")));
        Assert.Equal(true, PveJson.GetBoolean(r.GetProperty("c")));
        Assert.Equal(false, PveJson.GetBoolean(r.GetProperty("d")));
        Assert.Null(PveJson.GetInt64(r.GetProperty("e")));
        Assert.Null(PveJson.GetInt64(r.GetProperty("f")));
        Assert.Equal("7", PveJson.GetString(r.GetProperty("g")));
        Assert.False(PveJson.TryGetProperty(r, "e", out _));
        Assert.True(PveJson.TryGetProperty(r, "f", out _));
    }

    [Fact]
    public async Task TheEnvelopeIsReadFromAStream()
    {
        using var stream = new MemoryStream("""{"data":[{"expire":"1","privsep":1},{"expire":2,"privsep":"0"}],"total":2}"""u8.ToArray());
        List<Sample>? data = await PveClient.ReadDataAsync<List<Sample>>(stream, CancellationToken.None);
        Assert.Equal(new[] { 1L, 2L }, data!.Select(s => s.Expire));
        Assert.Equal(new[] { true, false }, data!.Select(s => s.Privsep));
    }
}
