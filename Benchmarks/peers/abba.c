/* abba: Examples/bank-transfer in C with pthread mutexes (issue 4).
 *
 * teller-1 moves alice -> bob (locks alice, then bob, then the ledger);
 * teller-2 starts only after teller-1 has been joined and moves bob -> alice
 * (bob, then alice, then the ledger). The two orders never overlap in time,
 * so the run never deadlocks: a detector must find the ABBA from the orders
 * alone. lockcheck reports one lock-order-inversion (Account.alice,
 * Account.bob) here. */
#include <pthread.h>
#include <stdio.h>

struct account { const char *name; pthread_mutex_t lock; int balance; };

static struct account alice = { "alice", PTHREAD_MUTEX_INITIALIZER, 100 };
static struct account bob = { "bob", PTHREAD_MUTEX_INITIALIZER, 100 };
static pthread_mutex_t ledger_lock = PTHREAD_MUTEX_INITIALIZER;
static int ledger_entries;

struct transfer { struct account *from, *to; int amount; };

static void *teller(void *arg) {
    struct transfer *t = arg;
    pthread_mutex_lock(&t->from->lock);
    pthread_mutex_lock(&t->to->lock);
    t->from->balance -= t->amount;
    t->to->balance += t->amount;
    pthread_mutex_lock(&ledger_lock);
    ledger_entries++;
    pthread_mutex_unlock(&ledger_lock);
    pthread_mutex_unlock(&t->to->lock);
    pthread_mutex_unlock(&t->from->lock);
    return NULL;
}

static void run_teller(struct transfer *t) {
    pthread_t th;
    pthread_create(&th, NULL, teller, t);
    pthread_join(th, NULL);  /* the next teller starts only after this one finished */
}

int main(void) {
    struct transfer t1 = { &alice, &bob, 30 }, t2 = { &bob, &alice, 10 };
    run_teller(&t1);
    run_teller(&t2);  /* opposite order */
    printf("alice: %d, bob: %d, ledger: %d entries\n", alice.balance, bob.balance, ledger_entries);
    return 0;
}
