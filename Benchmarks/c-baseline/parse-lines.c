/*
 * parse-lines: the "bare C parser" baseline of Benchmarks/analyze-throughput.sh.
 *
 * Reads a lockcheck v1 trace (a file, or standard input) with read(2) in
 * 1 MiB chunks, finds each line with memchr, splits the tokens of every event
 * line (a line starting with a digit) on spaces and converts its numeric
 * fields: decimal tokens (seq, tid, lid, bytes, qid ...), 0x-prefixed hex
 * tokens (pointers) and the numeric values of key=value tokens (stack=,
 * pool=, ptr=, sub=, nest=). Words (ops, flags) are skipped. Nothing is
 * validated and nothing is looked up: this is the floor a real reader cannot
 * go below on the same machine.
 *
 * Prints the number of event lines on stdout, and a checksum of the converted
 * numbers on stderr (so the compiler cannot drop the conversions).
 * A last line without '\n' is partial and is not counted (trace-format.md).
 *
 *     cc -O2 -o parse-lines Benchmarks/c-baseline/parse-lines.c
 *     ./parse-lines trace.log
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1u << 20)

static uint64_t checksum;

/* Converts the numeric fields of one event line [p, end) (no '\n'). */
static void parse_event(const unsigned char *p, const unsigned char *end)
{
    uint64_t sum = 0;
    while (p < end) {
        while (p < end && *p == ' ')
            p++;
        if (p == end)
            break;
        if (*p == '0' && p + 1 < end && p[1] == 'x') {
            /* hex pointer */
            uint64_t v = 0;
            p += 2;
            while (p < end && *p != ' ') {
                unsigned c = *p++;
                v = (v << 4) | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
            }
            sum = sum * 31 + v;
        } else if (*p >= '0' && *p <= '9') {
            /* decimal: seq, tid and positional ids / sizes */
            uint64_t v = 0;
            while (p < end && *p != ' ')
                v = v * 10 + (uint64_t)(*p++ - '0');
            sum = sum * 31 + v;
        } else {
            /* a word (op, flag) or key=value: convert the value if numeric */
            while (p < end && *p != ' ' && *p != '=')
                p++;
            if (p < end && *p == '=') {
                p++;
                uint64_t v = 0;
                if (p + 1 < end && p[0] == '0' && p[1] == 'x') {
                    p += 2;
                    while (p < end && *p != ' ') {
                        unsigned c = *p++;
                        v = (v << 4) | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
                    }
                } else if (p < end && *p >= '0' && *p <= '9') {
                    while (p < end && *p != ' ')
                        v = v * 10 + (uint64_t)(*p++ - '0');
                } else {
                    while (p < end && *p != ' ')
                        p++;  /* what=io and the like */
                }
                sum = sum * 31 + v;
            }
        }
    }
    checksum += sum;
}

int main(int argc, char **argv)
{
    int fd = 0;
    if (argc > 2) {
        fprintf(stderr, "usage: parse-lines [TRACE]\n");
        return 2;
    }
    if (argc == 2 && strcmp(argv[1], "-") != 0) {
        fd = open(argv[1], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "parse-lines: %s: %s\n", argv[1], strerror(errno));
            return 2;
        }
    }
    /* A line may straddle two chunks: its start is carried to the front. */
    size_t cap = 2 * (size_t)CHUNK, carry = 0;
    unsigned char *buf = malloc(cap);
    if (!buf)
        return 2;
    uint64_t events = 0;
    for (;;) {
        if (cap - carry < CHUNK) {  /* a line longer than a chunk: grow */
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf)
                return 2;
        }
        ssize_t n = read(fd, buf + carry, CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "parse-lines: read: %s\n", strerror(errno));
            return 2;
        }
        if (n == 0)
            break;
        const unsigned char *p = buf, *end = buf + carry + (size_t)n;
        const unsigned char *nl;
        while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            const unsigned char *e = nl;
            if (e > p && e[-1] == '\r')
                e--;
            if (*p >= '0' && *p <= '9') {
                events++;
                parse_event(p, e);
            }
            p = nl + 1;
        }
        carry = (size_t)(end - p);
        memmove(buf, p, carry);
    }
    printf("%llu\n", (unsigned long long)events);
    fprintf(stderr, "parse-lines: checksum %016llx%s\n", (unsigned long long)checksum,
            carry ? " (partial last line skipped)" : "");
    free(buf);
    return 0;
}
