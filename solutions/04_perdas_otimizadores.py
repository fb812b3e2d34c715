# %% [markdown]
# # 04 · Perdas e otimizadores
#
# Treinar uma rede é repetir duas contas: medir quanto ela errou (a **função de perda**) e
# ajustar os pesos para errar menos (o **otimizador**). Nesta aula você escreve as duas à
# mão, em NumPy, e confere cada número com o Keras.
#
# Você vai aprender a:
#
# - calcular o erro quadrático médio e as entropias cruzadas binária e categórica, e
#   obter exatamente os valores de `keras.losses`;
# - entender o corte (*clipping*) das probabilidades em $10^{-7}$ e o `from_logits=True`;
# - escolher a perda certa para cada problema;
# - implementar descida do gradiente (lote completo e mini-lote), *momentum*, AdaGrad,
#   RMSProp e Adam, e conferi-los passo a passo com `keras.optimizers`;
# - ver a perda a cada passo para várias taxas de aprendizado e mexer na taxa você mesmo;
# - ver a trajetória de cada otimizador num vale mal condicionado e perto de um ponto de
#   sela, onde o *momentum* e os métodos adaptativos mostram para que servem, e comparar
#   todos num treino de verdade com o MNIST.
#
# As seções **Para ir além (opcional)** mostram detalhes de implementação do Keras, que só
# importam quando você compara o seu código com o dele casa por casa; pode pulá-las: o resto
# da aula não depende delas.
#
# Os termos seguem o glossário do curso, que dá também o nome em inglês de cada um:
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from course_utils import config, datasets, fmt, lessons, optim
from course_utils.checks import ____
from course_utils.exercises.lesson04 import ex1, ex2, ex3, ex4

print(config.fast_mode_line())

# %% [markdown]
# ## Perdas: quanto a rede errou
#
# Para cada exemplo, a rede produz uma previsão $\hat{y}$ e o conjunto de dados traz a
# resposta certa $y$. A **perda** (*loss*) é um número que resume a distância entre os dois
# em todo o lote: zero quando a rede acerta tudo, grande quando erra muito. Treinar é
# procurar os pesos que deixam esse número pequeno. Cada tipo de problema pede uma perda
# diferente; veremos as três do relatório do bootcamp LAMIA (ver as Fontes, no fim).
#
# ### Erro quadrático médio (MSE)
#
# Para prever um número (um preço, uma temperatura), a perda mais comum é o erro quadrático
# médio (*mean squared error*):
#
# $$\mathrm{MSE} = \frac{1}{N} \sum_{i=1}^{N} (y_i - \hat{y}_i)^2$$
#
# Por que o quadrado? Porque erros para cima e para baixo não podem se anular. Veja dois
# erros de mesmo tamanho e sinais opostos:

# %%
y_true = np.array([10.0, 20.0])
y_pred = np.array([12.0, 18.0])
errors = y_true - y_pred
print("erros:", errors)
print("média dos erros:", fmt.num(np.mean(errors)))
print("média dos erros ao quadrado (MSE):", fmt.num(np.mean(errors**2)))

# %% [markdown]
# A média simples diria que a previsão é perfeita; o MSE não se deixa enganar. O quadrado
# também pune mais os erros grandes: dobrar um erro quadruplica o seu custo.
#
# Agora o mesmo cálculo num exemplo um pouco maior, comparado com
# `keras.losses.MeanSquaredError`. Uma perda do Keras é um objeto: você o cria e o chama
# com `(y_true, y_pred)`, nessa ordem.

# %%
y_true = np.array([3.0, -0.5, 2.0, 7.0])
y_pred = np.array([2.5, 0.0, 2.0, 8.0])
mse_numpy = np.mean((y_true - y_pred) ** 2)
mse_keras = keras.losses.MeanSquaredError()(y_true, y_pred)
print("MSE em NumPy:", fmt.num(mse_numpy, 6))
print("MSE do Keras:", fmt.num(float(mse_keras), 6))
print("iguais?", "sim" if np.allclose(mse_numpy, mse_keras) else "não")

# %% [markdown]
# ### Entropia cruzada binária
#
# Numa classificação com duas classes (spam ou não, pneumonia ou não), a última camada
# tem um neurônio com sigmoide, que dá $p = P(y = 1)$. A perda para um exemplo é menos o
# logaritmo da probabilidade que a rede deu à classe **certa**: $-\log p$ se $y = 1$ e
# $-\log(1 - p)$ se $y = 0$. A fórmula junta os dois casos (um dos termos sempre some) e
# tira a média:
#
# $$\mathrm{BCE} = -\frac{1}{N} \sum_{i=1}^{N}
#   \big[\, y_i \log p_i + (1 - y_i) \log (1 - p_i) \,\big]$$
#
# O gráfico mostra a perda de um exemplo em função de $p$:

# %%
p = np.linspace(0.001, 0.999, 500)
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.plot(p, -np.log(p), label="classe certa y = 1: $-\\log p$")
ax.plot(p, -np.log(1 - p), label="classe certa y = 0: $-\\log(1 - p)$")
ax.set_xlabel("probabilidade prevista p = P(y = 1)")
ax.set_ylabel("perda do exemplo")
ax.set_title("Entropia cruzada binária de um exemplo")
ax.legend()
fig.tight_layout()

# %% [markdown]
# Acertar com confiança custa quase nada; errar com confiança custa muito, e o custo não
# tem limite: com $p = 0$ e $y = 1$, a perda seria $-\log 0 = \infty$. Para não devolver
# infinito (nem `nan`), o Keras corta as probabilidades no intervalo
# $[\varepsilon, 1 - \varepsilon]$ antes do logaritmo, com o $\varepsilon$ de
# `keras.config.epsilon()`. Isso limita a perda de um exemplo a $-\log \varepsilon$:

# %%
eps = keras.config.epsilon()
print("épsilon do Keras:", eps)
print("maior perda possível de um exemplo, -log(eps):", fmt.num(-np.log(eps), 4))

# %% [markdown]
# ### Exercício 1 · A entropia cruzada binária em NumPy
#
# Complete a função: recebe os rótulos `y_true` (0 ou 1) e as probabilidades `y_pred`
# (mesmo formato) e devolve **um número**, a média da fórmula acima. Corte as probabilidades
# como o Keras, com `np.clip(y_pred, 1e-7, 1 - 1e-7)`. O `check` compara a sua função com
# `keras.losses.BinaryCrossentropy` em vários casos, inclusive previsões exatamente 0 e 1.


# %%
def binary_crossentropy(y_true, y_pred):
    """Entropia cruzada binária média, com as probabilidades cortadas em [1e-7, 1 - 1e-7]."""
    # BEGIN SOLUTION ex1
    p = np.clip(y_pred, 1e-7, 1 - 1e-7)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
    # END SOLUTION


ex1.check(binary_crossentropy)

# %%
# ex1.hint()
# ex1.solution()

# %% [markdown]
# Vamos ver os números de um exemplo, com a fórmula escrita direto em NumPy. O terceiro e o
# quarto exemplos têm previsões "impossíveis": 0 para um rótulo 1 e 1 para um rótulo 0.

# %%
y_true = np.array([1.0, 0.0, 1.0, 0.0])
y_pred = np.array([0.9, 0.2, 0.0, 1.0])
p_clipped = np.clip(y_pred, eps, 1 - eps)
per_example = -(y_true * np.log(p_clipped) + (1 - y_true) * np.log(1 - p_clipped))
print("perda de cada exemplo:", per_example)
print("média em NumPy:", fmt.num(per_example.mean(), 6))
print("Keras:         ", fmt.num(float(keras.losses.BinaryCrossentropy()(y_true, y_pred)), 6))

# %% [markdown]
# Os dois primeiros exemplos dão perdas pequenas e os dois "impossíveis" ficam perto do
# teto $-\log \varepsilon$. Os dois cálculos ficam próximos, mas não exatamente iguais: é
# arredondamento, e o `check` do Exercício 1 já leva isso em conta.
#
# #### Para ir além (opcional) · De onde vem a diferença
#
# *Pode pular esta seção: ela explica um arredondamento, não uma ideia nova.*
#
# A diferença vem do quarto exemplo. O Keras faz as contas em `float32`, em que
# $1 - 10^{-7}$ não existe exatamente e é arredondado para o `float32` mais próximo. Por
# isso, o corte em cima fica um pouco mais longe de 1 do que o corte embaixo fica de 0:

# %%
top = np.float32(1) - np.float32(eps)
print("1 - eps em float32:", top, "-> 1 - isso =", np.float32(1) - top)
print("-log(1 - top) em float32:", -np.log(np.float32(1) - top))
print("-log(eps) em float64:    ", -np.log(eps))

# %% [markdown]
# É um detalhe que só aparece em previsões coladas em 0 ou 1, mas vale saber que ele existe
# quando você compara o seu código com o do Keras. *Fim da seção opcional.*
#
# ### Logits e `from_logits=True`
#
# Muitas vezes a última camada fica **sem** sigmoide: ela devolve um número real $z$, o
# **logit**, e $p = \sigma(z) = 1 / (1 + e^{-z})$. Passando `from_logits=True`, a perda
# aplica a sigmoide por dentro, com uma fórmula equivalente que nunca calcula $\log 0$:
#
# $$-\big[y \log \sigma(z) + (1 - y) \log(1 - \sigma(z))\big]
#   = \max(z, 0) - z\,y + \log\big(1 + e^{-|z|}\big)$$

# %%
z = np.array([2.0, -1.0, 0.5, -3.0])
y_true = np.array([1.0, 0.0, 0.0, 1.0])
bce_logits = np.mean(np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z))))
sigmoid = 1 / (1 + np.exp(-z))
bce_sigmoid = -np.mean(y_true * np.log(sigmoid) + (1 - y_true) * np.log(1 - sigmoid))
bce_keras = float(keras.losses.BinaryCrossentropy(from_logits=True)(y_true, z))
print("fórmula dos logits:           ", fmt.num(bce_logits, 6))
print("sigmoide e depois a fórmula:  ", fmt.num(bce_sigmoid, 6))
print("Keras, from_logits=True:      ", fmt.num(bce_keras, 6))

# %% [markdown]
# Os três coincidem. A vantagem aparece quando a rede erra feio: um logit $z = 20$ para um
# exemplo de classe 0. A perda exata é quase 20, mas em `float32` a sigmoide de 20 já é
# exatamente 1, e o caminho pelas probabilidades bate no corte:

# %%
z_big = np.array([20.0])
y_zero = np.array([0.0])
p_big = (1 / (1 + np.exp(-z_big))).astype("float32")
print("sigmoide(20) em float32:", p_big[0])
loss_probs = float(keras.losses.BinaryCrossentropy()(y_zero, p_big))
loss_logits = float(keras.losses.BinaryCrossentropy(from_logits=True)(y_zero, z_big))
print("perda pelas probabilidades:", fmt.num(loss_probs, 4))
print("perda pelos logits:        ", fmt.num(loss_logits, 4))

# %% [markdown]
# Com `from_logits=True` a perda continua crescendo com o erro (e o gradiente continua
# apontando para a correção); pelas probabilidades ela trava no teto. Por isso é comum
# deixar a última camada linear e passar `from_logits=True` para a perda.
#
# ### Entropia cruzada categórica
#
# Com $K$ classes, a última camada tem $K$ neurônios e uma **softmax**, que transforma os
# logits $z$ em probabilidades positivas que somam 1 (como nos slides do IFCE):
#
# $$\mathrm{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}}$$
#
# O rótulo vira um vetor *one-hot* $y$ (1 na classe certa, 0 nas outras) e a perda de um
# exemplo é $-\sum_k y_k \log \hat{y}_k$, ou seja, de novo, menos o log da probabilidade da
# classe certa. O relatório do bootcamp LAMIA escreve a soma sobre os $N$ exemplos; o Keras, por
# padrão, divide por $N$ (a média), como nas outras perdas:
#
# $$\mathrm{CCE} = -\frac{1}{N} \sum_{i=1}^{N} \sum_{k=1}^{K} y_{ik} \log \hat{y}_{ik}$$

# %%
logits = np.array([
    [2.0, 1.0, 0.1],
    [0.5, 2.5, 0.3],
    [1.2, 0.4, 0.9],
])
labels = np.array([0, 1, 2])  # a classe certa de cada exemplo
one_hot = np.eye(3)[labels]
probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
print("probabilidades (softmax):\n", probs.round(3))
print("cada linha soma:", probs.sum(axis=1))
print("one-hot:\n", one_hot)

# %%
cce_per_example = -np.sum(one_hot * np.log(probs), axis=1)
print("perda de cada exemplo:", cce_per_example)
cce_mean = float(keras.losses.CategoricalCrossentropy()(one_hot, probs))
cce_sum = float(keras.losses.CategoricalCrossentropy(reduction="sum")(one_hot, probs))
print("média (Keras, padrão):", fmt.num(cce_per_example.mean(), 6), fmt.num(cce_mean, 6))
print("soma (fórmula da aula):", fmt.num(cce_per_example.sum(), 6), fmt.num(cce_sum, 6))

# %% [markdown]
# O terceiro exemplo, o único em que a classe certa não é a mais provável, tem a maior
# perda. Soma e média levam aos mesmos pesos ótimos; a média só deixa a perda
# (e o tamanho dos gradientes) independente do tamanho do lote.
#
# As variações do Keras dão o mesmo número:
#
# - `from_logits=True`: a perda recebe os logits e calcula
#   $\log \mathrm{softmax}(z)_k = z_k - \log \sum_j e^{z_j}$. Subtrair o maior logit antes
#   da exponencial não muda o resultado e evita estourar `exp` com logits grandes;
# - `SparseCategoricalCrossentropy`: o rótulo é o **inteiro** da classe, não o *one-hot*; a
#   perda pega direto a probabilidade daquela classe. É a que se usa com os rótulos de
#   `load_mnist`, que são inteiros de 0 a 9.

# %%
shifted = logits - logits.max(axis=1, keepdims=True)
log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
n = len(labels)
variants = {
    "logits, NumPy": -np.mean(np.sum(one_hot * log_softmax, axis=1)),
    "logits, Keras": keras.losses.CategoricalCrossentropy(from_logits=True)(one_hot, logits),
    "esparsa, NumPy": -np.mean(np.log(probs[np.arange(n), labels])),
    "esparsa, Keras": keras.losses.SparseCategoricalCrossentropy()(labels, probs),
    "esparsa+logits, Keras": keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
        labels, logits),
}
for name, value in variants.items():
    print(f"{name + ':':<23}{fmt.num(float(value), 6)}")

# %% [markdown]
# Como na binária, sem `from_logits` o Keras corta as probabilidades em
# $[\varepsilon, 1 - \varepsilon]$ (e, na categórica, ainda divide cada linha pela soma
# dela, caso não some exatamente 1).
#
# ### Exercício 2 · Qual perda?
#
# Para cada problema, escolha a perda do Keras: `"mse"`, `"binary_crossentropy"`,
# `"categorical_crossentropy"` ou `"sparse_categorical_crossentropy"`.
#
# 1. prever o preço de um imóvel, em reais (uma saída sem ativação);
# 2. pneumonia ou normal num raio-X (1 neurônio com sigmoide);
# 3. o dígito do MNIST com os rótulos inteiros de `load_mnist` (10 neurônios com softmax);
# 4. a classe do CIFAR-10 com rótulos *one-hot* de `keras.utils.to_categorical`
#    (10 neurônios com softmax);
# 5. que objetos aparecem numa foto, entre gato, cachorro e carro, podendo aparecer vários
#    (3 neurônios com sigmoide, rótulos como `[1, 0, 1]`).

# %%
# BEGIN SOLUTION ex2
loss_price = "mse"
loss_xray = "binary_crossentropy"
loss_mnist = "sparse_categorical_crossentropy"
loss_cifar = "categorical_crossentropy"
loss_objects = "binary_crossentropy"
# END SOLUTION
ex2.check((loss_price, loss_xray, loss_mnist, loss_cifar, loss_objects))

# %%
# ex2.hint()
# ex2.solution()

# %% [markdown] tags=["solution"]
# O problema 5 é o que mais engana: com softmax as classes competem (se o gato sobe, o
# cachorro desce), o que só faz sentido quando cada foto tem exatamente uma classe. Com
# várias respostas certas ao mesmo tempo, cada saída é uma pergunta de sim ou não
# independente: uma sigmoide e uma entropia cruzada binária por saída, e o Keras tira a
# média delas.

# %% [markdown]
# ## Descida do gradiente
#
# Para estudar os otimizadores vamos usar um problema pequeno, em que dá para desenhar
# tudo: uma regressão linear $\hat{y} = w x + b$ com dois parâmetros, $\theta = (w, b)$, e a
# perda MSE. Os dados são sintéticos: $y \approx 0{,}5\,x + 2$ mais um ruído, com $x$ entre
# $-10$ e $10$.

# %%
rng = np.random.default_rng(0)
N = 200
x = rng.uniform(-10, 10, size=N)
y = 0.5 * x + 2 + rng.normal(0, 1, size=N)
X = np.stack([x, np.ones(N)], axis=1)  # coluna de 1s: o viés b vira um peso como w
THETA0 = np.array([-1.0, -4.0])  # ponto de partida (w, b), o mesmo para todos


def loss(theta):
    """MSE da reta theta = (w, b) nos N exemplos."""
    return np.mean((X @ theta - y) ** 2)


def gradient(theta, idx=None):
    """Gradiente do MSE em relação a (w, b); nos exemplos idx, ou em todos."""
    Xb, yb = (X, y) if idx is None else (X[idx], y[idx])
    return 2 * Xb.T @ (Xb @ theta - yb) / len(yb)


theta_best = np.linalg.lstsq(X, y, rcond=None)[0]
w_best, b_best = theta_best
print(f"melhor reta (mínimos quadrados): w = {fmt.num(w_best, 3)}, b = {fmt.num(b_best, 3)}")
print(f"perda no início: {fmt.num(loss(THETA0), 2)}   "
      f"perda mínima: {fmt.num(loss(theta_best), 3)}")

# %% [markdown]
# O gradiente foi derivado à mão: $\partial J / \partial w = \frac{2}{N}\sum (\hat{y}_i -
# y_i)\, x_i$ e $\partial J / \partial b = \frac{2}{N}\sum (\hat{y}_i - y_i)$. Antes de
# confiar nele, conferimos com a diferenciação automática do TensorFlow aplicada à perda do
# Keras. Nesta aula o `tf.GradientTape` é uma caixa-preta que devolve o gradiente; como ele
# o calcula numa rede de muitas camadas, inclusive numa convolução, é o assunto da próxima
# aula, **05 · Retropropagação**.

# %%
X_tf = tf.constant(X, dtype="float32")
y_tf = tf.constant(y, dtype="float32")
mse = keras.losses.MeanSquaredError()

theta_var = tf.Variable(THETA0, dtype="float32")
with tf.GradientTape() as tape:
    loss_tf = mse(y_tf, tf.linalg.matvec(X_tf, theta_var))
print("nosso gradiente:", gradient(THETA0))
print("TensorFlow:     ", tape.gradient(loss_tf, theta_var).numpy())

# %% [markdown]
# A **descida do gradiente** (*gradient descent*, GD) dá passos contra o gradiente, que
# aponta para onde a perda mais cresce (slides do IFCE):
#
# $$\theta^{(t+1)} = \theta^{(t)} - \eta\, \nabla J(\theta^{(t)})$$
#
# $\eta$ é a **taxa de aprendizado** (*learning rate*). `optim.SGD` do `course_utils` faz
# esse passo, e `optim.run` repete-o e guarda todos os pontos visitados. A taxa importa
# muito: pequena demais, a perda mal sai do lugar; grande demais, os passos passam do
# vale e a perda explode. A figura mostra a perda a cada passo para quatro taxas.
#
# Repare na escrita dos números: no código a taxa se escreve com ponto, `0.001`, porque é
# assim que o Python lê um número; no texto, nas figuras e nas frases impressas para você
# ler, o curso usa a vírgula do português, 0,001 (a função `fmt.num` do `course_utils` faz
# essa troca).

# %%
RATES = [0.001, 0.01, 0.025, 0.035]
fig, ax = plt.subplots(figsize=(7.5, 4.2))
for lr in RATES:
    path = optim.run(optim.SGD(learning_rate=lr), gradient, THETA0, steps=30)
    ax.plot([loss(t) for t in path], "o-", markersize=3, label=f"taxa {fmt.num(lr)}")
    print(f"taxa {fmt.num(lr)}: perda depois de 30 passos = {fmt.num(loss(path[-1]))}")
ax.set_yscale("log")
ax.set_xlabel("passo")
ax.set_ylabel("perda MSE (escala log)")
ax.set_title("A mesma descida do gradiente com quatro taxas de aprendizado")
ax.legend()
fig.tight_layout()

# %% [markdown]
# Com 0,001 a perda desce devagar; com 0,01 ela cai depressa nos primeiros
# passos e depois quase para; com 0,025 termina mais baixo; com 0,035 ela **sobe** a cada
# passo. Por que 0,035 explode, se 0,025 funciona? E por que 0,01 para de descer? A perda
# é muito mais sensível a $w$ do que a $b$: $w$ multiplica $x$, que chega a 10, e $b$
# multiplica 1. A curvatura da perda na direção de cada parâmetro é $2\,\overline{x^2}$ para
# $w$ e $2$ para $b$:

# %%
curvature_w = 2 * np.mean(x**2)
limit_w = 2 / curvature_w
print(f"curvatura em w: {fmt.num(curvature_w, 1)}   curvatura em b: {fmt.num(2.0, 1)}")
print(f"razão: {fmt.num(curvature_w / 2, 0)} vezes")
print(f"maior taxa estável em w, 2 / curvatura: {fmt.num(limit_w, 4)}")
for lr in RATES:
    side = "abaixo" if lr < limit_w else "ACIMA"
    print(f"   taxa {fmt.num(lr)}: {side} do limite")

# %% [markdown]
# Numa direção de curvatura $c$, cada passo do GD multiplica o erro por $1 - \eta c$; se
# $\eta > 2/c$, esse fator passa de $-1$ e o erro cresce a cada passo, trocando de sinal.
# A célula acima compara cada taxa da figura com o limite de $w$: a que fica acima dele é a
# que explode. O limite depende dos 200 valores de $x$ sorteados (a média de $x^2$ muda de
# uma amostra para outra), por isso a figura usa taxas com alguma folga de cada lado. (A
# rigor, o limite vem da maior curvatura em qualquer direção, não só na de $w$; aqui as duas
# quase coincidem, porque $w$ e $b$ quase não interferem um no outro.) A taxa precisa ser
# pequena para a direção íngreme ($w$) não oscilar para fora, e com essa taxa a direção
# suave ($b$) anda devagar: em $b$, cada passo multiplica o erro por $1 - 2\eta$, que com
# $\eta = 0{,}01$ é 0,98. É por isso que a curva de 0,01 quase para: o erro em $w$ já
# sumiu, e o que resta, em $b$, encolhe só 2 % por passo. As curvas de nível da perda são
# elipses compridas, e esse é exatamente o problema que os otimizadores das próximas seções
# atacam.
#
# É também por isso que as imagens são divididas por 255 antes do treino (aula 01): a
# curvatura na direção de um peso cresce com o quadrado da entrada que ele multiplica, e
# pixels de 0 a 255, em vez de 0 a 1, a fariam dezenas de milhares de vezes maior; a taxa
# teria de ser minúscula.
#
# ### Lote completo (GD) × mini-lote (SGD)
#
# A descida do gradiente "de verdade" usa **todos** os $N$ exemplos em cada passo. Com
# milhões de imagens, cada passo fica caríssimo. A **descida do gradiente estocástica**
# (*stochastic gradient descent*, SGD) estima o gradiente num **mini-lote** (*mini-batch*)
# de poucos exemplos sorteados: o passo é barato e ruidoso, mas aponta, em média, para o
# mesmo lado. A regra de atualização é a mesma; só muda o gradiente que entra nela.

# %%
BATCH_SIZE = 16
batch_rng = np.random.default_rng(1)


def minibatch_gradient(theta):
    """Gradiente estimado num mini-lote de BATCH_SIZE exemplos sorteados."""
    idx = batch_rng.choice(N, size=BATCH_SIZE, replace=False)
    return gradient(theta, idx)


print("gradiente completo:", gradient(THETA0))
for _ in range(3):
    print("num mini-lote:     ", minibatch_gradient(THETA0))

# %% [markdown]
# Para uma comparação justa, damos aos dois o mesmo trabalho: 10 **épocas**, isto é, 10
# passadas pelos dados. O GD dá um passo por época; o SGD dá $N / B$ passos por época. O
# SGD usa uma taxa um pouco menor, porque o ruído do mini-lote se soma às oscilações.

# %%
EPOCHS_TOY = 10
steps_per_epoch = N // BATCH_SIZE
gd_path = optim.run(optim.SGD(0.025), gradient, THETA0, steps=EPOCHS_TOY)
sgd_path = optim.run(optim.SGD(0.015), minibatch_gradient, THETA0,
                     steps=EPOCHS_TOY * steps_per_epoch)
print("passos do GD:", len(gd_path) - 1, "  passos do SGD:", len(sgd_path) - 1)
print(f"perda final do GD:  {fmt.num(loss(gd_path[-1]), 3)}")
print(f"perda final do SGD: {fmt.num(loss(sgd_path[-1]), 3)}")

# %%
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(np.arange(len(gd_path)), [loss(t) for t in gd_path], "o-",
        label="GD (lote completo)")
ax.plot(np.arange(len(sgd_path)) / steps_per_epoch, [loss(t) for t in sgd_path],
        label=f"SGD (mini-lote de {BATCH_SIZE})", alpha=0.8)
ax.set_yscale("log")
ax.set_xlabel("épocas (passadas pelos dados)")
ax.set_ylabel("perda MSE (escala log)")
ax.set_title("Mesmo trabalho, muito mais passos")
ax.legend()
fig.tight_layout()

# %% [markdown]
# Com o mesmo número de exemplos processados, o SGD chega muito mais perto do mínimo:
# muitos passos aproximados valem mais do que poucos passos exatos. O preço é o ruído: a
# curva do SGD treme e não assenta exatamente no mínimo. Na prática, "SGD" no Keras quer
# dizer sempre mini-lotes: o `batch_size` do `model.fit` (32 por padrão) é o tamanho
# deles.
#
# ### Conferindo com o Keras
#
# `keras.optimizers.SGD` faz o mesmo passo. Para conferir, rodamos os dois no mesmo
# problema: do nosso lado, `optim.run` com o gradiente em NumPy; do lado do Keras, um
# `tf.Variable` com $\theta$, o gradiente da perda do Keras calculado pelo `GradientTape` e
# `apply_gradients`. Depois de cada passo comparamos os parâmetros.


# %%
def keras_path(keras_optimizer, steps):
    """θ depois de cada passo de um otimizador do Keras, no mesmo problema (float32)."""
    theta = tf.Variable(THETA0, dtype="float32")
    points = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss_value = mse(y_tf, tf.linalg.matvec(X_tf, theta))
        keras_optimizer.apply_gradients([(tape.gradient(loss_value, theta), theta)])
        points.append(theta.numpy())
    return np.array(points)


def compare_with_keras(ours, keras_optimizer, steps=10):
    """Roda os dois otimizadores e mostra a maior diferença entre os parâmetros."""
    mine = optim.run(ours, gradient, THETA0, steps)[1:]
    theirs = keras_path(keras_optimizer, steps)
    gap = np.abs(mine - theirs).max()
    same = "sim" if np.allclose(mine, theirs, atol=1e-5) else "não"
    print(f"{ours}: maior diferença em {steps} passos = {fmt.num(gap)}, iguais? {same}")
    return mine, theirs


mine, theirs = compare_with_keras(optim.SGD(0.025), keras.optimizers.SGD(0.025), steps=5)
for step, (a, b) in enumerate(zip(mine, theirs), 1):
    print(f"passo {step}: nosso (w, b) = {a.round(5)}   Keras = {b.round(5)}")

# %% [markdown]
# As diferenças que sobram são do `float32` do Keras. Daqui em diante, cada otimizador
# novo passa pela mesma conferência.
#
# ## *Momentum*
#
# Na figura da superfície de perda (mais adiante) você vai ver o GD ziguezagueando entre
# as paredes do vale e andando devagar no fundo dele. O *momentum* resolve isso com a
# ideia de uma bola rolando: ela acumula velocidade na direção em que os gradientes
# concordam (o fundo do vale) e as oscilações, que trocam de sinal a cada passo, se
# cancelam. Na convenção do Keras:
#
# $$v \leftarrow \mu\, v - \eta\, g, \qquad \theta \leftarrow \theta + v$$
#
# com $g$ o gradiente, $v$ a velocidade (começa em zero) e $\mu$ o coeficiente de
# *momentum*, tipicamente 0,9. Desenrolando, $v$ é uma soma de **todos** os gradientes
# passados, com peso que cai como $\mu^k$: $v^{(t)} = -\eta \sum_{k \le t} \mu^{t-k} g^{(k)}$.
#
# **Duas correções nos slides do IFCE.** Primeiro, o nome: os slides dizem que o método
# "pega emprestado a ideia do momento de uma força" da Física. Momento de uma força é o
# torque, o que faz um corpo girar; a ideia aqui é outra, a **quantidade de movimento**
# (massa × velocidade, que em inglês também se chama *momentum*): a bola em movimento
# tende a continuar andando na mesma direção. Segundo, a fórmula: o slide escreve o passo
# como $\theta^{(t+1)} = \theta^{(t)} - \eta \nabla J(\theta^{(t)}) + \alpha \nabla
# J(\theta^{(t-1)})$, que soma o **gradiente** anterior, e com sinal de mais (o que
# empurraria morro acima). O *momentum* soma o **passo** anterior:
# $\theta^{(t+1)} = \theta^{(t)} - \eta\, g^{(t)} + \mu\,(\theta^{(t)} - \theta^{(t-1)})$,
# que é a regra acima escrita sem $v$.
#
# ### Exercício 3 · Um passo com *momentum*
#
# Complete a função: recebe $\theta$, o gradiente, a velocidade atual, $\eta$ e $\mu$, e
# devolve a tupla `(theta_novo, velocity_nova)`, na convenção do Keras. Não altere os
# arrays recebidos. O `check` encadeia vários passos da sua função e compara com
# `optim.momentum_step` e com `keras.optimizers.SGD(momentum=...)`.


# %%
def momentum_step(theta, grad, velocity, learning_rate, momentum):
    """Um passo de SGD com momentum: devolve (theta, velocity) atualizados."""
    # BEGIN SOLUTION ex3
    velocity = momentum * velocity - learning_rate * grad
    return theta + velocity, velocity
    # END SOLUTION


ex3.check(momentum_step)

# %%
# ex3.hint()
# ex3.solution()

# %% [markdown]
# `optim.SGD(momentum=...)` usa essa mesma regra, e coincide com o Keras:

# %%
compare_with_keras(optim.SGD(0.008, momentum=0.9), keras.optimizers.SGD(0.008, momentum=0.9));

# %% [markdown]
# ## AdaGrad
#
# O *momentum* não resolve o problema de fundo: uma só taxa $\eta$ para parâmetros com
# curvaturas muito diferentes. O **AdaGrad** (*adaptive gradient*) dá a cada parâmetro a
# sua própria taxa: guarda a soma $r$ dos gradientes ao quadrado daquele parâmetro e
# divide o passo por $\sqrt{r}$. Quem recebe gradientes grandes passa a dar passos menores,
# e vice-versa. No Keras:
#
# $$r \leftarrow r + g^2, \qquad \theta \leftarrow \theta - \frac{\eta}{\sqrt{r + \varepsilon}}\, g$$
#
# (tudo elemento a elemento). Os slides do IFCE escrevem
# $\frac{\eta}{\varepsilon + \sqrt{r}}$ e começam com $r = 0$, como o artigo original. O
# Keras difere em dois detalhes: põe $\varepsilon$ **dentro** da raiz e começa o acumulador
# em `initial_accumulator_value`:

# %%
adagrad_keras = keras.optimizers.Adagrad()
print("initial_accumulator_value:", adagrad_keras.initial_accumulator_value)
print("epsilon:", adagrad_keras.epsilon)

# %% [markdown]
# O valor inicial muda o primeiro passo. Com $r = 0$ e $\varepsilon$ desprezível, o
# primeiro passo é $\eta\, g / |g|$: **todo** parâmetro anda exatamente $\eta$, seja o
# gradiente dele enorme ou minúsculo. Com $r$ começando em 0,1, gradientes pequenos dão
# passos menores. Comparamos o primeiro passo das duas fórmulas, com $\eta = 0{,}5$, para o
# gradiente do nosso ponto de partida e para um gradiente pequeno, como os de perto de um
# mínimo:

# %%
lr_adagrad = 0.5


def first_adagrad_steps(g):
    """Primeiro passo do AdaGrad na fórmula da aula (r = 0) e na do Keras (r = 0.1)."""
    lecture = -lr_adagrad * g / (1e-7 + np.sqrt(0.0 + g**2))
    keras_form = -lr_adagrad * g / np.sqrt(0.1 + g**2 + 1e-7)
    return lecture, keras_form


for g in [gradient(THETA0), np.array([0.05, -0.01])]:
    lecture, keras_form = first_adagrad_steps(g)
    print("gradiente:", g)
    print("   passo da aula (r = 0):  ", lecture)
    print("   passo do Keras (r = 0.1):", keras_form)

# %% [markdown]
# Com gradientes grandes as duas quase coincidem; com gradientes pequenos, a fórmula da
# aula ainda dá um passo de tamanho $\eta$ e a do Keras dá um passo bem menor.

# %% [markdown]
# `optim.Adagrad` expõe os dois parâmetros com os nomes do Keras, e coincide com ele nos
# dois casos:

# %%
compare_with_keras(optim.Adagrad(lr_adagrad), keras.optimizers.Adagrad(lr_adagrad))
compare_with_keras(optim.Adagrad(lr_adagrad, initial_accumulator_value=0.0),
                   keras.optimizers.Adagrad(lr_adagrad, initial_accumulator_value=0.0));

# %% [markdown]
# O ponto fraco do AdaGrad, que os slides do IFCE apontam: $r$ só cresce, então a taxa efetiva
# $\eta / \sqrt{r}$ de cada parâmetro só diminui, e o treino pode parar antes de chegar.

# %%
adagrad = optim.Adagrad(lr_adagrad)
for steps in [1, 10, 100]:
    optim.run(adagrad, gradient, THETA0, steps)
    print(f"depois de {steps:3d} passo(s), taxa efetiva (w, b) =",
          (lr_adagrad / np.sqrt(adagrad.accumulator)).round(4))

# %% [markdown]
# ## RMSProp
#
# O **RMSProp** (*root mean square propagation*) troca a soma de $r$ por uma **média
# móvel**: os gradientes antigos vão sendo esquecidos a uma taxa $\rho$, e a taxa efetiva
# para de encolher sem parar.
#
# $$r \leftarrow \rho\, r + (1 - \rho)\, g^2, \qquad
#   \theta \leftarrow \theta - \frac{\eta}{\sqrt{r + \varepsilon}}\, g$$
#
# Os slides do IFCE chamam o fator de $\beta$ e põem $\varepsilon$ fora da raiz; o Keras
# o chama de `rho`, põe $\varepsilon$ dentro da raiz e tem ainda duas opções desligadas por padrão
# (`momentum` e `centered`), que não usamos:

# %%
rmsprop_keras = keras.optimizers.RMSprop()
print("rho:", rmsprop_keras.rho, " epsilon:", rmsprop_keras.epsilon,
      " momentum:", rmsprop_keras.momentum, " centered:", rmsprop_keras.centered)
compare_with_keras(optim.RMSprop(0.1), keras.optimizers.RMSprop(0.1));

# %% [markdown]
# ## Adam
#
# O **Adam** (*adaptive moment estimation*) junta os dois: uma média móvel $m$ dos
# gradientes (o *momentum*) e uma média móvel $v$ dos gradientes ao quadrado (o RMSProp). O
# passo é $m$ dividido por $\sqrt{v}$.
#
# **A fórmula dos slides do IFCE está embaralhada.** O slide escreve
#
# $$r^{(t)} = \beta_1 r^{(t-1)} + (1 - \beta_1)\, g, \quad
#   m^{(t)} = \beta_2 m^{(t-1)} + (1 - \beta_2)\, g^2, \quad
#   \bar{r} = \frac{r}{1 - \beta_1}, \quad \bar{m} = \frac{m}{1 - \beta_2}, \quad
#   \theta \leftarrow \theta - \frac{\eta}{\varepsilon + \sqrt{r}}\, m$$
#
# Há dois erros: a correção divide por $1 - \beta$, uma constante, em vez de
# $1 - \beta^t$; e o passo final não usa as estimativas corrigidas e troca os papéis,
# tirando a raiz da média dos **gradientes** $r$ (que pode ser negativa) e multiplicando
# pela média dos **quadrados** $m$. A regra publicada (Kingma e Ba, 2015) é:
#
# $$m \leftarrow \beta_1 m + (1 - \beta_1)\, g, \qquad
#   v \leftarrow \beta_2 v + (1 - \beta_2)\, g^2$$
#
# $$\hat{m} = \frac{m}{1 - \beta_1^t}, \qquad \hat{v} = \frac{v}{1 - \beta_2^t}, \qquad
#   \theta \leftarrow \theta - \eta\, \frac{\hat{m}}{\sqrt{\hat{v}} + \varepsilon}$$
#
# com $t = 1, 2, \ldots$ o número do passo e, por padrão, $\beta_1 = 0{,}9$,
# $\beta_2 = 0{,}999$. A fórmula do slide nem chega a ser calculável: com um gradiente
# negativo, a raiz de $r$ não existe.

# %%
g_negative = np.array([-1.0])
r_slide = (1 - 0.9) * g_negative  # primeiro passo do slide, r começa em 0
with np.errstate(invalid="ignore"):
    print("r =", r_slide, "-> raiz de r =", np.sqrt(r_slide))

# %% [markdown]
# ### Por que a correção de viés
#
# $m$ e $v$ começam em zero, então nos primeiros passos eles estão "puxados" para zero:
# com $\beta_1 = 0{,}9$, no passo 1 $m$ vale só um décimo do gradiente. Dividir por
# $1 - \beta^t$ desfaz isso, e a correção some sozinha quando $t$ cresce ($\beta^t \to 0$).
# Com um gradiente constante igual a 1, a média corrigida deveria ser sempre 1:

# %%
beta_1, beta_2 = 0.9, 0.999
m = v = 0.0
print(" t      m     m̂        v       v̂")
for t in range(1, 6):
    m = beta_1 * m + (1 - beta_1) * 1.0
    v = beta_2 * v + (1 - beta_2) * 1.0**2
    print(f"{t:2d}  {fmt.num(m, 4)}  {fmt.num(m / (1 - beta_1**t), 4)}  {fmt.num(v, 5)}  "
          f"{fmt.num(v / (1 - beta_2**t), 4)}")

# %% [markdown]
# Sem a correção, o $v$ ainda mais perto de zero (por causa de $\beta_2 = 0{,}999$) faria os
# primeiros passos serem grandes demais. Com a correção, no passo 1 temos $\hat{m} = g$ e
# $\hat{v} = g^2$, e o primeiro passo de cada parâmetro tem tamanho $\eta$, como no AdaGrad
# que começa do zero.
#
# ### Exercício 4 · Um passo do Adam
#
# Complete a função com a regra publicada: recebe $\theta$, o gradiente, $m$, $v$ e o
# número do passo $t$ (começando em 1) e devolve a tupla `(theta_novo, m_novo, v_novo)`,
# com $m$ e $v$ **sem** correção (a correção só entra no cálculo do passo). Use os
# argumentos da função: o `check` a chama com valores de $\beta_1$, $\beta_2$ e
# $\varepsilon$ diferentes dos padrão, num passo com um gradiente pequeno e em cinco passos
# seguidos, e compara com `optim.adam_step` e com `keras.optimizers.Adam`.


# %%
def adam_step(theta, grad, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
              epsilon=1e-7):
    """Um passo do Adam com correção de viés: devolve (theta, m, v)."""
    # BEGIN SOLUTION ex4
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad**2
    m_hat = m / (1 - beta_1**t)
    v_hat = v / (1 - beta_2**t)
    return theta - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v
    # END SOLUTION


ex4.check(adam_step)

# %%
# ex4.hint()
# ex4.solution()

# %% [markdown]
# `optim.Adam` faz esse mesmo passo e coincide com o Keras:

# %%
lr_adam = 0.2
compare_with_keras(optim.Adam(lr_adam), keras.optimizers.Adam(lr_adam));

# %% [markdown]
# ### Para ir além (opcional) · Onde o Keras põe o $\varepsilon$
#
# *Pode pular esta seção: ela mostra como o Keras organiza a mesma conta, o que só importa
# quando você compara o seu código com o dele número a número.*
#
# O Keras calcula o mesmo passo de outro jeito, sugerido no próprio artigo: junta as duas
# correções numa taxa $\eta_t = \eta \sqrt{1 - \beta_2^t} / (1 - \beta_1^t)$ e usa $m$ e
# $v$ sem correção:
#
# $$\theta \leftarrow \theta - \eta_t\, \frac{m}{\sqrt{v} + \varepsilon}$$
#
# Fazendo as contas, isso é a regra publicada com $\varepsilon$ trocado por
# $\varepsilon / \sqrt{1 - \beta_2^t}$: o $\varepsilon$ é somado a $\sqrt{v}$, e não a
# $\sqrt{\hat{v}}$. O $\varepsilon$ só pesa quando $\sqrt{\hat{v}}$ é pequeno, perto dele;
# com gradientes da ordem de 1 ele se perde no arredondamento (é por isso que o `check` do
# Exercício 4 testa também um gradiente pequeno). `optim.Adam` tem as duas versões:
# `epsilon_mode="paper"` (o padrão, a fórmula do exercício) e `epsilon_mode="keras"`. Com o
# $\varepsilon$ padrão as duas coincidem com o Keras; com um $\varepsilon$ grande, só a versão
# do Keras coincide:

# %%
compare_with_keras(optim.Adam(lr_adam, epsilon_mode="keras"), keras.optimizers.Adam(lr_adam))
compare_with_keras(optim.Adam(lr_adam, epsilon=1.0), keras.optimizers.Adam(lr_adam, epsilon=1.0))
compare_with_keras(optim.Adam(lr_adam, epsilon=1.0, epsilon_mode="keras"),
                   keras.optimizers.Adam(lr_adam, epsilon=1.0));

# %% [markdown]
# Com $\varepsilon = 10^{-7}$ a diferença entre as duas formas fica abaixo do
# arredondamento do `float32`. O que sobra nas linhas "iguais" vem quase todo de um
# detalhe de implementação: na correção de viés, o Keras converte $\beta_2$ com
# `keras.ops.cast`, que passa por `float32`, onde 0,999 não é representado exatamente; na
# média móvel ele usa o 0,999 exato. Como $1 - \beta_2^t$ é pequeno, esse arredondamento
# pesa. Com um $\beta_2$ que o `float32` representa exatamente, $1 - 2^{-10}$, a diferença
# cai:

# %%
print("0.999 depois do cast do Keras:", float(keras.ops.cast(0.999, "float64")))
beta_2_exact = 1 - 2**-10
compare_with_keras(optim.Adam(lr_adam, beta_2=beta_2_exact),
                   keras.optimizers.Adam(lr_adam, beta_2=beta_2_exact));

# %% [markdown]
# Nada disso muda o treino de uma rede; só importa quando você compara números casa a casa.
# *Fim da seção opcional.*
#
# ## Trajetórias na superfície de perda
#
# Primeiro, os seis lado a lado no problema da regressão, partindo do mesmo ponto e com o
# mesmo número de passos, cada um com a taxa das conferências acima. As curvas de nível são
# da perda $J(w, b)$ e a estrela marca o mínimo.

# %%
STEPS = 50
batch_rng = np.random.default_rng(1)  # mesmos mini-lotes a cada execução
runs = {
    "GD (lote completo)": optim.run(optim.SGD(0.025), gradient, THETA0, STEPS),
    f"SGD (mini-lote de {BATCH_SIZE})": optim.run(optim.SGD(0.015), minibatch_gradient,
                                                   THETA0, STEPS),
    "Momentum": optim.run(optim.SGD(0.008, momentum=0.9), gradient, THETA0, STEPS),
    "AdaGrad": optim.run(optim.Adagrad(lr_adagrad), gradient, THETA0, STEPS),
    "RMSProp": optim.run(optim.RMSprop(0.1), gradient, THETA0, STEPS),
    "Adam": optim.run(optim.Adam(lr_adam), gradient, THETA0, STEPS),
}
for name, path in runs.items():
    print(f"{name:<24} perda depois de {STEPS} passos: {fmt.num(loss(path[-1]), 3)}")

# %%
w_grid, b_grid = np.meshgrid(np.linspace(-1.5, 2.5, 150), np.linspace(-5, 5, 150))
surface = np.mean((w_grid[..., None] * x + b_grid[..., None] - y) ** 2, axis=-1)
levels = np.geomspace(surface.min() * 1.01, surface.max(), 20)

fig, axes = plt.subplots(2, 3, figsize=(12, 8), sharex=True, sharey=True)
for ax, (name, path) in zip(axes.flat, runs.items()):
    ax.contour(w_grid, b_grid, surface, levels=levels, cmap="viridis", linewidths=0.7)
    ax.plot(path[:, 0], path[:, 1], ".-", color="tab:red", markersize=3, linewidth=1)
    ax.plot(*theta_best, "k*", markersize=12)
    ax.set_title(f"{name}\nperda final {fmt.num(loss(path[-1]), 2)}")
for ax in axes[1]:
    ax.set_xlabel("w (inclinação)")
for ax in axes[:, 0]:
    ax.set_ylabel("b (viés)")
fig.suptitle(f"{STEPS} passos de cada otimizador na superfície de perda da regressão")
fig.tight_layout()

# %% [markdown]
# O que a figura mostra:
#
# - **GD**: quase todo o movimento é em $w$, a direção íngreme, indo de um lado a outro do
#   vale; em $b$ ele anda devagar e não chega ao mínimo.
# - **SGD**: o mesmo ziguezague, agora com ruído: cada mini-lote puxa para um lado um pouco
#   diferente.
# - **Momentum**: os ziguezagues se cancelam e a velocidade acumulada ao longo do vale o
#   leva longe; passa do ponto e volta, como a bola da analogia.
# - **AdaGrad** e **RMSProp**: dividir por $\sqrt{r}$ equaliza os dois parâmetros, e o
#   caminho sai em diagonal, sem ziguezague.
# - **Adam**: *momentum* mais taxas por parâmetro; faz uma curva suave, passa um pouco do
#   ponto e volta.
#
# Mas repare nas perdas finais: aqui o GD não fica atrás, e pode até ganhar. Este vale é
# pouco alongado (a razão entre as curvaturas, medida acima, é de algumas dezenas), a perda
# é dominada pelo erro em $w$, que o GD corrige depressa, e as taxas foram escolhidas à mão.
# Para ver a vantagem que os outros prometem, precisamos de um problema mais difícil e de
# uma comparação justa.
#
# ### Um vale mal condicionado
#
# Um vale **mal condicionado** é muito mais íngreme numa direção do que na outra. O mais
# simples tem duas curvaturas, 1 e 50:
#
# $$J(\theta_1, \theta_2) = \tfrac{1}{2}\left(\theta_1^2 + 50\, \theta_2^2\right),
#   \qquad \nabla J = (\theta_1,\; 50\, \theta_2)$$
#
# O mínimo é $(0, 0)$ e partimos de $(-9, 1)$, longe ao longo do fundo do vale. Para que
# nenhum otimizador perca por causa de uma taxa mal escolhida, cada um experimenta 25 taxas
# de aprendizado entre 0,001 e 1 e fica com a que deixa a perda mais baixa depois de 60
# passos.

# %%
CURVATURES = np.array([1.0, 50.0])
VALLEY_START = np.array([-9.0, 1.0])
VALLEY_STEPS = 60


def valley_loss(theta):
    """Perda do vale: metade da soma das curvaturas vezes os parâmetros ao quadrado."""
    return 0.5 * np.sum(CURVATURES * np.asarray(theta) ** 2, axis=-1)


def valley_gradient(theta):
    """Gradiente da perda do vale: cada parâmetro vezes a sua curvatura."""
    return CURVATURES * theta


valley_optimizers = {
    "GD": lambda lr: optim.SGD(lr),
    "Momentum": lambda lr: optim.SGD(lr, momentum=0.9),
    "AdaGrad": lambda lr: optim.Adagrad(lr),
    "RMSProp": lambda lr: optim.RMSprop(lr),
    "Adam": lambda lr: optim.Adam(lr),
}


def valley_run(name, learning_rate, steps=VALLEY_STEPS):
    """Pontos visitados por um otimizador no vale; uma taxa grande demais pode divergir."""
    with np.errstate(over="ignore", invalid="ignore"):
        return optim.run(valley_optimizers[name](learning_rate), valley_gradient,
                         VALLEY_START, steps)


def final_loss(path):
    """Perda no último ponto; infinito quando o caminho divergiu."""
    value = valley_loss(path[-1])
    return value if np.isfinite(value) else np.inf


rates = np.geomspace(0.001, 1, 25)
best_rate = {name: min(rates, key=lambda lr: final_loss(valley_run(name, lr)))
             for name in valley_optimizers}
valley_paths = {name: valley_run(name, lr) for name, lr in best_rate.items()}
for name, path in valley_paths.items():
    print(f"{name:<9} melhor taxa {fmt.num(best_rate[name]):<7} "
          f"perda depois de {VALLEY_STEPS} passos: {fmt.num(final_loss(path))}")

# %%
t1, t2 = np.meshgrid(np.linspace(-10, 2, 200), np.linspace(-1.6, 1.6, 200))
valley_surface = valley_loss(np.stack([t1, t2], axis=-1))
valley_levels = np.geomspace(0.01, valley_surface.max(), 15)


def draw_valley_path(ax, path, title):
    """Curvas de nível do vale, o caminho de um otimizador e o mínimo."""
    ax.contour(t1, t2, valley_surface, levels=valley_levels, cmap="viridis", linewidths=0.7)
    shown = path[np.all(np.abs(path) < 50, axis=1)]  # um caminho que diverge sai da figura
    ax.plot(shown[:, 0], shown[:, 1], ".-", color="tab:red", markersize=3, linewidth=1)
    ax.plot(0, 0, "k*", markersize=12)
    ax.set_xlim(-10, 2)
    ax.set_ylim(-1.6, 1.6)
    ax.set_title(title)


fig, axes = plt.subplots(2, 3, figsize=(13, 6.5))
for ax, (name, path) in zip(axes.flat, valley_paths.items()):
    draw_valley_path(ax, path, f"{name} (taxa {fmt.num(best_rate[name])})\n"
                               f"perda final {fmt.num(final_loss(path))}")
ax = axes.flat[-1]
for name, path in valley_paths.items():
    ax.plot(valley_loss(path), label=name)
ax.set_yscale("log")
ax.set_xlabel("passo")
ax.set_ylabel("perda (escala log)")
ax.set_title("Perda a cada passo")
ax.legend(fontsize=8)
for ax in axes[1, :2]:
    ax.set_xlabel("θ₁ (direção suave)")
for ax in axes[:, 0]:
    ax.set_ylabel("θ₂ (direção íngreme)")
fig.suptitle(f"Cada otimizador com a sua melhor taxa, {VALLEY_STEPS} passos no vale")
fig.tight_layout()

# %% [markdown]
# Agora a diferença aparece:
#
# - **GD**: a taxa tem de ficar abaixo de $2/50 = 0{,}04$, senão a direção íngreme explode;
#   com ela, cada passo ao longo do fundo anda só uma fração $\eta$ do que falta, uns poucos
#   por cento. Mesmo com a melhor taxa, é o que termina mais longe do mínimo.
# - **Momentum**: com uma taxa menor ainda, a velocidade acumulada leva a bola pelo fundo do
#   vale; ela passa do ponto e volta, e a perda oscila, mas termina muito mais baixa.
# - **AdaGrad**, **RMSProp** e **Adam** dividem o passo de cada parâmetro pela raiz dos seus
#   gradientes ao quadrado: os passos em $\theta_1$ e em $\theta_2$ passam a ter o mesmo
#   tamanho, da ordem de $\eta$, apesar das curvaturas 1 e 50. A direção íngreme se
#   resolve nos primeiros passos, e a suave deixa de andar devagar. O AdaGrad desacelera
#   com o tempo ($r$ só cresce): mesmo com a maior taxa testada, fica atrás dos outros dois.
#
# Este vale favorece os métodos adaptativos porque as duas curvaturas estão alinhadas com os
# eixos, e eles ajustam **um parâmetro de cada vez**; num vale inclinado em relação aos
# eixos a vantagem deles diminui, e a do *momentum* continua. Em redes de verdade há as
# duas coisas, por isso o Adam, que junta as duas ideias, é o ponto de partida mais comum.
#
# ### Um ponto de sela
#
# O outro obstáculo clássico é o **ponto de sela**: um ponto onde o gradiente é zero, mas
# que não é um mínimo. Ele é mínimo numa direção e máximo na outra, como o meio de uma sela
# de cavalo. Na perda
#
# $$J(\theta_1, \theta_2) = \theta_1^2 + \frac{\theta_2^4}{4} - \frac{\theta_2^2}{2}$$
#
# a origem é um ponto de sela, e os mínimos ficam em $(0, \pm 1)$. Partindo de um ponto
# quase em cima da crista, $\theta_2 = 0{,}001$, o gradiente em $\theta_2$ é minúsculo.
# Todos com a mesma taxa, 0,1, e 40 passos:

# %%
SADDLE_START = np.array([-1.5, 1e-3])


def saddle_loss(theta):
    """Perda com um ponto de sela na origem e mínimos em (0, 1) e (0, -1)."""
    theta = np.asarray(theta)
    return theta[..., 0] ** 2 + theta[..., 1] ** 4 / 4 - theta[..., 1] ** 2 / 2


def saddle_gradient(theta):
    """Gradiente da perda com ponto de sela."""
    return np.array([2 * theta[0], theta[1] ** 3 - theta[1]])


saddle_runs = {
    "GD": optim.SGD(0.1),
    "Momentum": optim.SGD(0.1, momentum=0.9),
    "RMSProp": optim.RMSprop(0.1),
    "Adam": optim.Adam(0.1),
}
saddle_paths = {name: optim.run(opt, saddle_gradient, SADDLE_START, 40)
                for name, opt in saddle_runs.items()}
for name, path in saddle_paths.items():
    away = np.flatnonzero(np.abs(path[:, 1]) > 0.5)
    escape = f"no passo {away[0]}" if away.size else "não saiu em 40 passos"
    print(f"{name:<9} saiu da crista (|θ₂| > 0,5): {escape:<22} "
          f"perda final: {fmt.num(saddle_loss(path[-1]), 3)}")

# %%
s1, s2 = np.meshgrid(np.linspace(-1.7, 1.7, 200), np.linspace(-1.4, 1.4, 200))
fig, ax = plt.subplots(figsize=(7.5, 5))
ax.contour(s1, s2, saddle_loss(np.stack([s1, s2], axis=-1)), levels=25, cmap="viridis",
           linewidths=0.7)
for name, path in saddle_paths.items():
    ax.plot(path[:, 0], path[:, 1], ".-", markersize=3, linewidth=1, label=name)
ax.plot([0, 0], [1, -1], "k*", markersize=12, linestyle="none", label="mínimos")
ax.plot(0, 0, "kx", markersize=10, label="ponto de sela")
ax.set_xlabel("θ₁")
ax.set_ylabel("θ₂")
ax.set_title("40 passos a partir de um ponto quase em cima da crista")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# O GD desce até a sela e fica lá: o gradiente em $\theta_2$ é quase zero, e cada passo
# multiplica $\theta_2$ por só $1 + \eta$. O *momentum* acumula esses empurrões pequenos e
# acaba saindo. RMSProp e Adam dividem o gradiente pelo seu próprio tamanho típico, então
# até um gradiente minúsculo vira um passo de tamanho parecido com $\eta$, e eles saem logo.
#
# Não tire daqui que só os métodos adaptativos escapam de selas. O GD ficou preso porque
# partiu quase exatamente de cima da crista e o gradiente dele não tem ruído nenhum; com
# mini-lotes, o ruído do gradiente também empurra o SGD para fora da crista (Ge et al., 2015;
# Jin et al., 2017). Em redes com milhões de parâmetros, Dauphin et al. (2014) argumentam que
# pontos de sela são muito mais comuns que mínimos ruins; por que um otimizador funciona
# melhor que outro numa rede de verdade ainda é assunto de pesquisa.
#
# ### Mexa na taxa de aprendizado
#
# Escolha um otimizador e mova a taxa de aprendizado (o controle está em escala
# logarítmica). Veja o caminho e a perda a cada passo mudarem: taxa pequena demais, o
# caminho para no meio; grande demais, ele oscila e diverge. Sem o pacote `ipywidgets`, ou
# fora do Jupyter, a célula mostra só a figura para a taxa inicial.


# %%
def show_valley_run(optimizer="GD", learning_rate=0.03):
    """Desenha o caminho de um otimizador no vale e a sua perda a cada passo."""
    path = valley_run(optimizer, learning_rate)
    fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(11, 3.6))
    draw_valley_path(ax_path, path, f"{optimizer}, taxa {fmt.num(learning_rate)}")
    ax_loss.plot(valley_loss(path))
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("passo")
    ax_loss.set_ylabel("perda (escala log)")
    ax_loss.set_title(f"perda final {fmt.num(final_loss(path))}")
    fig.tight_layout()
    plt.show()


try:
    import ipywidgets as widgets
except ImportError:  # sem ipywidgets: só a figura estática
    widgets = None

if widgets is None:
    show_valley_run()
else:
    widgets.interact(
        show_valley_run,
        optimizer=widgets.Dropdown(options=list(valley_optimizers), value="GD",
                                   description="otimizador"),
        learning_rate=widgets.FloatLogSlider(value=0.03, base=10, min=-3, max=0, step=0.05,
                                             description="taxa"),
    );

# %% [markdown]
# Experimente o GD em 0,03, 0,039 e 0,045: o limite $2/50$ aparece na hora. Depois o
# *momentum* com 0,01 e com 0,1, e o Adam com 0,01 e com 0,5.
#
# ## Num treino de verdade: MNIST
#
# Por fim, os otimizadores do Keras num treino real: uma rede densa pequena classificando
# dígitos do MNIST. Para comparar otimizadores não precisamos da base inteira: usamos a
# amostra estratificada de `load_mnist(fast=True)` em todos os modos. O modelo, a
# inicialização (mesma semente) e a ordem dos lotes são os mesmos; só o otimizador muda.
# A perda é a `sparse_categorical_crossentropy`, porque os rótulos são inteiros. Medimos
# só a perda de treino: a pergunta aqui é com que rapidez cada otimizador desce, não quão
# bem o modelo generaliza (isso fica para a aula 06).

# %%
(x_train, y_train), _ = datasets.load_mnist(fast=True)
x_train = x_train.astype("float32") / 255
EPOCHS = config.epochs(15, 3)
TRAIN_BATCH = 64
print("imagens de treino:", x_train.shape, " épocas:", EPOCHS)


def build_model():
    """Uma rede densa pequena, sempre com os mesmos pesos iniciais."""
    config.set_seed(lessons.SEED)
    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])


# %% [markdown]
# As taxas são os valores padrão do Keras, menos a do AdaGrad (0,01 em vez de 0,001) e a do GD de
# lote completo, que dá um único passo por época e precisa de um passo grande. O GD usa
# `batch_size` igual ao número de imagens.

# %%
keras_optimizers = {
    "GD (lote completo)": (lambda: keras.optimizers.SGD(0.1), len(x_train)),
    "SGD": (lambda: keras.optimizers.SGD(), TRAIN_BATCH),
    "Momentum": (lambda: keras.optimizers.SGD(momentum=0.9), TRAIN_BATCH),
    "AdaGrad": (lambda: keras.optimizers.Adagrad(0.01), TRAIN_BATCH),
    "RMSProp": (lambda: keras.optimizers.RMSprop(), TRAIN_BATCH),
    "Adam": (lambda: keras.optimizers.Adam(), TRAIN_BATCH),
}
histories = {}
for name, (make_optimizer, batch_size) in keras_optimizers.items():
    model = build_model()
    model.compile(optimizer=make_optimizer(), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=EPOCHS, batch_size=batch_size, verbose=0)
    histories[name] = history.history
    print(f"{name:<20} passos: {int(model.optimizer.iterations):4d}   "
          f"perda final: {fmt.num(history.history['loss'][-1], 3)}   "
          f"acurácia de treino: {fmt.num(history.history['accuracy'][-1], 3)}")

# %%
fig, ax = plt.subplots(figsize=(7.5, 4.5))
for name, history in histories.items():
    ax.plot(np.arange(1, EPOCHS + 1), history["loss"], "o-", label=name)
ax.set_xticks(np.arange(1, EPOCHS + 1, max(1, EPOCHS // 8)))
ax.set_xlabel("época")
ax.set_ylabel("perda de treino (entropia cruzada)")
ax.set_title("Mesmo modelo, mesma semente, otimizadores diferentes")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# A coluna de passos explica boa parte da tabela: nas mesmas épocas, o GD de lote completo
# deu um passo por época, e os outros, um por mini-lote. Entre os que usam mini-lotes, os
# adaptativos (RMSProp e Adam) e o *momentum* costumam cair bem mais rápido do que o SGD puro
# com a taxa padrão. Por isso o Adam com os valores padrão é o ponto de partida mais comum,
# e é o que usaremos nas próximas aulas; mas um SGD com *momentum* e uma taxa bem ajustada
# continua sendo competitivo, e muitas redes famosas foram treinadas assim.

# %% [markdown]
# ## O que você aprendeu
#
# - A perda mede o erro: **MSE** para números, **entropia cruzada binária** para sim/não
#   (uma sigmoide por saída) e **categórica** para uma classe entre várias (softmax), na
#   versão **esparsa** quando os rótulos são inteiros.
# - A entropia cruzada é $-\log$ da probabilidade da classe certa; o Keras corta as
#   probabilidades em $[10^{-7}, 1 - 10^{-7}]$. Com `from_logits=True` a conta é exata e
#   estável.
# - A descida do gradiente dá passos $-\eta\, g$; com mini-lotes (SGD) os passos são
#   baratos e ruidosos, e muitos passos aproximados vencem poucos exatos.
# - O *momentum* acumula uma velocidade $v \leftarrow \mu v - \eta g$; AdaGrad e RMSProp
#   dividem o passo de cada parâmetro por $\sqrt{r}$ dos seus gradientes ao quadrado
#   (soma ou média móvel); Adam junta os dois, com correção de viés $1 - \beta^t$.
# - Os detalhes do Keras (acumulador inicial 0,1 no AdaGrad, $\varepsilon$ dentro da raiz
#   no AdaGrad e no RMSProp) fazem diferença quando você compara número a número, e
#   `course_utils.optim` os reproduz com os mesmos nomes de parâmetro; as seções opcionais
#   mostram mais dois (o arredondamento do `float32` e o lugar do $\varepsilon$ no Adam).
# - A taxa de aprendizado manda: pequena demais, a perda mal desce; acima de $2/c$ na
#   direção mais íngreme (curvatura $c$), ela explode. Num vale mal condicionado o GD fica
#   preso a essa taxa; o *momentum* e os métodos adaptativos chegam muito mais perto do
#   mínimo com o mesmo número de passos, e, sem ruído no gradiente, saem de um ponto de sela
#   onde o GD fica parado.
#
# ## Fontes
#
# - Jefferson Korte Junior. *Relatório — Card 16: Prática: Redes Neurais Convolucionais 2
#   (Deep Learning)*. Bootcamp LAMIA: as perdas (MSE, entropias cruzadas binária e
#   categórica) e a diferença entre GD e SGD (seções 10 e 11 do relatório).
# - Saulo Oliveira. *08 — Redes Convolucionais*, Aprendizagem Profunda, PPGCC/IFCE, 2023.1
#   (slides): a softmax e os otimizadores (GD, *momentum*, AdaGrad, RMSProp, Adam), com três
#   correções feitas nesta aula: o *momentum* não vem do "momento de uma força", o termo
#   dele soma o passo anterior (não o gradiente anterior) e a regra do Adam, que no slide
#   está embaralhada.
# - D. P. Kingma e J. Ba. *Adam: A Method for Stochastic Optimization*, ICLR 2015.
# - S. Ruder. *An overview of gradient descent optimization algorithms*, 2016.
# - Y. Dauphin et al. *Identifying and attacking the saddle point problem in
#   high-dimensional non-convex optimization*, NeurIPS 2014 (o argumento de que pontos de
#   sela, e não mínimos ruins, são o obstáculo comum em redes grandes).
# - R. Ge, F. Huang, C. Jin e Y. Yuan. *Escaping From Saddle Points: Online Stochastic
#   Gradient for Tensor Decomposition*, COLT 2015; C. Jin, R. Ge, P. Netrapalli, S. Kakade e
#   M. Jordan. *How to Escape Saddle Points Efficiently*, ICML 2017 (o ruído do gradiente
#   também tira o SGD de um ponto de sela).
# - I. Goodfellow, Y. Bengio e A. Courville. *Deep Learning*, capítulo 8, MIT Press, 2016.
# - As páginas `keras.io/api/losses` e `keras.io/api/optimizers` da documentação do Keras.
#
# Os termos desta aula (função de perda, taxa de aprendizado, *momentum*, vale mal
# condicionado, ...) estão no
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
#
# ## O que ler a seguir
#
# Na próxima aula, **05 · Retropropagação**, você abre a caixa-preta do `tf.GradientTape`:
# como o gradiente da perda chega a cada peso de uma rede de várias camadas, inclusive aos
# filtros de uma convolução. Depois, na aula **06 · MNIST, mão na massa**, você monta e
# treina a CNN do MNIST de verdade: o `compile` com `optimizer="adam"` e
# `loss="sparse_categorical_crossentropy"` agora não tem mais segredo.
